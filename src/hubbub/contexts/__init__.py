"""Bounded contexts. Each meets the others only through its package's public face."""
