"""Pure platform rules (standard library only): masking, audit hash chain, permissions, settings catalogue."""
