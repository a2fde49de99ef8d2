"""The shared vocabulary of every context: ids, time, errors, events and ports. No IO here."""
