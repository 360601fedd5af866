"""Precedence: the four levels of a telegram's urgency, their signs and their order."""

from __future__ import annotations

__all__ = ["PRECEDENCES", "PRECEDENCE_RANK", "PRECEDENCE_SIGNS", "SIGN_PRECEDENCES"]

#: Most urgent first.
PRECEDENCES = ("FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE")
#: Inbox order: FLASH 0, IMMEDIATE 1, PRIORITY 2, ROUTINE 3.
PRECEDENCE_RANK = {p: i for i, p in enumerate(PRECEDENCES)}
#: The one-letter sign before a date-time group (`O 031200Z MAR 08`).
PRECEDENCE_SIGNS = {"FLASH": "Z", "IMMEDIATE": "O", "PRIORITY": "P", "ROUTINE": "R"}
SIGN_PRECEDENCES = {s: p for p, s in PRECEDENCE_SIGNS.items()}
