"""Random draws that depend only on what they describe, never on the order of generation.

Every value of a row is a hash of (seed, subject, row number, stream name), so a loan has
the same attributes whichever chunk it is written in, a loan present at year-start and now
is the same loan in both files, and the output is byte-identical for a seed whatever the
chunk size. splitmix64's finaliser is the hash: cheap in numpy and well mixed.
"""

import zlib

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_TO_UNIT = 1.0 / float(1 << 53)


def mix(values: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser over uint64 (wrap-around multiplication is intended)."""
    x = np.asarray(values, dtype=np.uint64).copy()
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def subject_keys(seed: int, kind: str, count: int) -> np.ndarray:
    """One key per subject (institution or guarantor) of a kind."""
    base = mix(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64) ^ _salt(kind))
    return mix(base + np.arange(count, dtype=np.uint64) * GOLDEN)


def row_keys(subject_key: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """One key per (subject, number): a loan, a borrower or a contract."""
    return mix(subject_key ^ mix(np.asarray(numbers, dtype=np.uint64) + GOLDEN))


class Draws:
    """Named streams of values for a batch of keys."""

    def __init__(self, keys: np.ndarray):
        self.keys = keys

    def uniform(self, stream: str) -> np.ndarray:
        bits = mix(self.keys ^ _salt(stream)) >> np.uint64(11)
        return bits.astype(np.float64) * _TO_UNIT

    def between(self, stream: str, low, high) -> np.ndarray:
        return low + (high - low) * self.uniform(stream)

    def integers(self, stream: str, low, high) -> np.ndarray:
        """Whole numbers in [low, high] (both may be arrays)."""
        span = np.asarray(high) - np.asarray(low) + 1
        return (np.asarray(low) + np.floor(self.uniform(stream) * span)).astype(np.int64)

    def choice(self, stream: str, weights) -> np.ndarray:
        """Index into weights, drawn in proportion to them."""
        cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
        picks = np.searchsorted(cumulative / cumulative[-1], self.uniform(stream), side="right")
        return np.minimum(picks, len(cumulative) - 1)

    def lognormal(self, stream: str, median, sigma: float) -> np.ndarray:
        # Box-Muller from two streams; 1 - u keeps the logarithm finite
        radius = np.sqrt(-2.0 * np.log(1.0 - self.uniform(stream + ".r")))
        normal = radius * np.cos(2.0 * np.pi * self.uniform(stream + ".a"))
        return np.asarray(median) * np.exp(sigma * normal)


def _salt(name: str) -> np.uint64:
    crc = zlib.crc32(name.encode("utf-8"))
    return mix(np.array([crc], dtype=np.uint64))[0]
