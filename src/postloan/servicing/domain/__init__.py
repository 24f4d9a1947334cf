"""Pure servicing rules (standard library only): money, due dates, schedules, allocation, settlement,
restructuring. Everything is exact Decimal; nothing here knows about Django or the database."""
