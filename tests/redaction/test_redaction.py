"""The redactor, kind by kind: what it masks, what it leaves, and the masks it writes."""

import pytest
import regex

from app.redaction.detectors import iban_valid, luhn
from app.redaction.redactor import Identity, Rule, redact


@pytest.mark.parametrize(
    ("typed", "public"),
    [
        ("write to jane.doe+bills@mail.example.co.uk now", "write to [email] now"),
        ("call 020 7946 0958 today", "call [phone] today"),
        ("call +1 415 555 2671 today", "call [phone] today"),
        ("mobile 07700 900123.", "mobile [phone]."),
        ("US office (212) 555-0147", "US office [phone]"),
        ("card 4111-1111-1111-1111 declined", "card [card] declined"),
        ("IBAN DE89 3704 0044 0532 0130 00 closed", "IBAN [bank account] closed"),
        ("policy no. HX-4471923 lapsed", "policy no. [account] lapsed"),
        ("account number 83749120", "account number [account]"),
        ("a run 123456789012 of digits", "a run [account] of digits"),
        ("SSN 123-45-6789", "SSN [id number]"),
        ("NI number AB 12 34 56 C", "NI number [id number]"),
        ("from 81.2.69.160 and 2001:db8::7334", "from [ip address] and [ip address]"),
        ("at 27 Acacia Avenue, Swindon SN1 4BT.", "at [address]."),
        ("post to SW1A 2AA please", "post to [postcode] please"),
        ("born 3 March 1984", "born [date] [year of birth]"),
        ("DOB 12/03/1984", "DOB [date]/[year of birth]"),
        ("date of birth: March 3rd, 1984", "date of birth: [date], [year of birth]"),
        ("on 3 March 2024 and 12/03/2024", "on 3 March 2024 and 12/03/2024"),  # events stay
        ("Mrs Patel said so", "[name] said so"),
    ],
)
def test_each_kind_is_masked(typed, public):
    assert redact(typed).text == public


@pytest.mark.parametrize(
    "typed",
    [
        "It cost £1,299.99 in 2024, order 4512, 3 items.",
        "Firmware 10.2.0.1 and version 2.3.1 broke it.",
        "I called March 3 times about the 2023 model.",
        "Prices rose 12.5% from $54.00 to $60.75 since April 2025.",
        "Open 10:30 to 14:45, 30-day returns, 2019-2021 contract.",
        "card 4111 1111 1111 1112 is not a real card number",  # fails Luhn
    ],
)
def test_look_alikes_stay(typed):
    assert redact(typed).text == typed


def test_the_consumers_own_name_and_email_are_masked():
    me = Identity("Jane Doe", "jdoe1984@example.org")
    typed = "Jane Doe here (jdoe1984 on their forum). Doe is my surname; a doe is a deer."
    assert redact(typed, identity=me).text == (
        "[name] here ([email] on their forum). [name] is my surname; a doe is a deer."
    )


def test_spans_say_what_was_masked_where():
    typed = "Mail jane@example.org or call 020 7946 0958."
    result = redact(typed)
    assert [(s.kind, typed[s.start : s.end]) for s in result.spans] == [
        ("email", "jane@example.org"),
        ("phone", "020 7946 0958"),
    ]
    assert result.segments(typed)[1] == ("[email]", "email", "jane@example.org")


def test_admin_rules_and_corrections_apply():
    rule = Rule(1, regex.compile(r"\bAgent [A-Z][a-z]+"), "[staff]")
    typed = "Agent Kim at Mill Lane Depot was rude; Ravi too. 12 High Street is their shop."
    result = redact(typed, rules=[rule], extra=["Ravi"], keep=["12 High Street"])
    assert result.text == (
        "[staff] at Mill Lane Depot was rude; [redacted] too. 12 High Street is their shop."
    )


def test_a_slow_admin_rule_is_skipped_not_hung():
    slow = Rule(1, regex.compile(r"(x+x+)+y"), "[x]")
    typed = "x" * 5000 + " call 020 7946 0958"
    assert redact(typed, rules=[slow]).text == "x" * 5000 + " call [phone]"


def test_checksums():
    assert luhn("4111111111111111") and not luhn("4111111111111112")
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_valid("GB82 WEST 1234 5698 7654 33")
