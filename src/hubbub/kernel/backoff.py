"""How long to wait before retrying something that keeps failing: the one exponential backoff
every reconnect and retry loop shares, so that they all grow and cap their pauses alike."""


def exponential_backoff(failures: int, *, base: float, cap: float) -> float:
    """The pause after `failures` consecutive failures: `base` after the first, doubling with
    each further one, never more than `cap`.

    Args:
        failures: consecutive failures so far, counting the one just seen (1, 2, ...);
            anything below 1 counts as 1.
        base: the first pause, in seconds.
        cap: the longest pause, in seconds (`math.inf` for none).
    """
    delay = base
    # Doubling a float is exact, so this equals min(cap, base * 2 ** (failures - 1)); stopping
    # at the cap keeps a long outage from overflowing the float (2 ** 1024 does).
    for _ in range(1, failures):
        if not 0 < delay < cap:
            break
        delay *= 2
    return min(delay, cap)
