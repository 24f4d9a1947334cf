"""Pure end-of-day rules: buckets, five-tier classification, IFRS 9 staging and provisioning."""
