"""Generated from proto/ by `make proto` (scripts/protogen.py). Do not edit."""
