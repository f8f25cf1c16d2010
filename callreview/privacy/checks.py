"""Check digits that tell a real number from a run of digits that only looks like one."""

from __future__ import annotations

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
"""ISO 7064 MOD 11-2 as GB 11643 writes it: the check character for each remainder."""


def id_number_ok(digits: str) -> bool:
    """An 18-character PRC resident ID: 17 digits, a valid birth month and day, and the check
    character (a digit or ``X``) that ISO 7064 MOD 11-2 gives them."""
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    month, day = int(digits[10:12]), int(digits[12:14])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == digits[17].upper()


def luhn_ok(digits: str) -> bool:
    """The Luhn check every bank card number carries in its last digit."""
    if not digits.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
