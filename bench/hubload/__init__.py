"""hubload: the load generator behind bench/loadgen.py (idle connections and send rates)."""
