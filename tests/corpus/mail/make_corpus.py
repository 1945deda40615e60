"""Writes the email-channel corpus: messages shaped like what mail clients, autoresponders and
mail servers really send (quoting styles of Gmail, Outlook, Apple Mail and Thunderbird in
English, German, French and Spanish; HTML-only; attachments; legacy charsets; broken MIME;
RFC 3834 auto-replies; RFC 3464 delivery reports), and manifest.json with what each must give.

Run it again after changing it: python tests/corpus/mail/make_corpus.py
(The 25 MB message is made by the test itself, not stored.)
"""

import base64
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
TO = "reply+abcdefghijklmnopqrstuvwxyz@mail.outcry.test"
ANSWER = "We have refunded the second charge today."
QUOTED = "A customer filed a public complaint about Acme on Outcry."
manifest: dict[str, dict] = {}


def headers(
    sender: str = "Dana Ortiz <dana@acme.test>",
    subject: str = "Re: Complaint #7 about Acme",
    extra: str = "",
    msgid: str = "",
) -> str:
    name = msgid or f"<{len(manifest) + 1}.corpus@acme.test>"
    return (
        f"From: {sender}\r\nTo: Outcry complaints <{TO}>\r\nSubject: {subject}\r\n"
        f"Date: Mon, 04 May 2026 10:15:00 +0200\r\nMessage-ID: {name}\r\nMIME-Version: 1.0\r\n{extra}"
    )


def write(name: str, raw: str | bytes, **expected) -> None:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    (HERE / f"{name}.eml").write_bytes(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    manifest[f"{name}.eml"] = expected


def plain(body: str, charset: str = "utf-8", cte: str = "8bit") -> str:
    return f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{body}"


def reply(
    name: str, body: str, *, contains: list[str], excludes: list[str] | None = None, **kw
) -> None:
    write(
        name,
        headers(**kw) + plain(body),
        kind="reply",
        contains=contains,
        excludes=excludes or [QUOTED],
    )


# Replies in each client's quoting style ------------------------------------------------------
reply(
    "gmail_en",
    f"{ANSWER}\n\nOn Mon, 4 May 2026 at 09:00, Outcry complaints <{TO}> wrote:\n> {QUOTED}\n> HOW TO ANSWER: reply to this email.\n",
    contains=[ANSWER],
)
reply(
    "gmail_en_long_wrapped_header",
    f"{ANSWER}\nYour reference is noted.\n\nOn Mon, 4 May 2026 at 09:00, Outcry complaints <\n{TO}> wrote:\n\n> {QUOTED}\n",
    contains=[ANSWER, "Your reference is noted."],
)
reply(
    "outlook_en_underscores",
    f"{ANSWER}\n\nKind regards\n\n________________________________\nFrom: Outcry complaints <{TO}>\nSent: Monday, May 4, 2026 9:00 AM\nTo: support@acme.test\nSubject: Complaint #7 about Acme\n\n{QUOTED}\n",
    contains=[ANSWER],
)
reply(
    "outlook_en_original_message",
    f"{ANSWER}\n\n-----Original Message-----\nFrom: Outcry complaints [mailto:{TO}]\nSent: Monday, May 4, 2026 9:00 AM\nTo: support@acme.test\nSubject: Complaint #7\n\n{QUOTED}\n",
    contains=[ANSWER],
)
reply(
    "outlook_en_no_blank_line",
    f"{ANSWER}\nFrom: Outcry complaints <{TO}>\nSent: Monday, May 4, 2026 9:00 AM\nTo: support@acme.test\nSubject: Complaint #7\n\n{QUOTED}\n",
    contains=[ANSWER],
)
reply(
    "apple_mail_en",
    f"{ANSWER}\n\nSent from my iPhone\n\n> On 4 May 2026, at 09:00, Outcry complaints <{TO}> wrote:\n> \n> {QUOTED}\n",
    contains=[ANSWER],
)
reply(
    "thunderbird_en",
    f"{ANSWER}\n\nOn 04/05/2026 09:00, Outcry complaints wrote:\n> {QUOTED}\n> HOW TO ANSWER: reply to this email.\n",
    contains=[ANSWER],
)
reply(
    "signature_dashes_en",
    f"{ANSWER}\n\n-- \nDana Ortiz\nCustomer Relations, Acme\n+44 20 7946 0000\n\nOn Mon, 4 May 2026 at 09:00, Outcry complaints <{TO}> wrote:\n> {QUOTED}\n",
    contains=[ANSWER],
    excludes=[QUOTED, "+44 20 7946 0000"],
)
reply("bottom_posting_inline_quote", f"> {QUOTED}\n\n{ANSWER}\n", contains=[ANSWER])
reply(
    "gmail_de",
    "Wir haben die doppelte Abbuchung heute erstattet.\n\nAm Mo., 4. Mai 2026 um 09:00 Uhr schrieb Outcry complaints <"
    + TO
    + ">:\n> "
    + QUOTED
    + "\n",
    contains=["Wir haben die doppelte Abbuchung heute erstattet."],
)
reply(
    "outlook_de",
    "Wir haben die doppelte Abbuchung heute erstattet.\n\nMit freundlichen Grüßen\n\nVon: Outcry complaints <"
    + TO
    + ">\nGesendet: Montag, 4. Mai 2026 09:00\nAn: support@acme.test\nBetreff: Beschwerde #7\n\n"
    + QUOTED
    + "\n",
    contains=["Wir haben die doppelte Abbuchung heute erstattet."],
)
reply(
    "gmail_fr",
    "Nous avons remboursé le second prélèvement aujourd'hui.\n\nLe lun. 4 mai 2026 à 09:00, Outcry complaints <"
    + TO
    + "> a écrit :\n> "
    + QUOTED
    + "\n",
    contains=["Nous avons remboursé le second prélèvement aujourd'hui."],
)
reply(
    "outlook_fr",
    "Nous avons remboursé le second prélèvement aujourd'hui.\n\nDe : Outcry complaints <"
    + TO
    + ">\nEnvoyé : lundi 4 mai 2026 09:00\nÀ : support@acme.test\nObjet : Plainte #7\n\n"
    + QUOTED
    + "\n",
    contains=["Nous avons remboursé le second prélèvement aujourd'hui."],
)
reply(
    "gmail_es",
    "Hemos reembolsado hoy el segundo cargo.\n\nEl lun, 4 may 2026 a las 9:00, Outcry complaints (<"
    + TO
    + ">) escribió:\n> "
    + QUOTED
    + "\n",
    contains=["Hemos reembolsado hoy el segundo cargo."],
)
reply(
    "forwarded_internally",
    f"{ANSWER} Our billing team's note is below.\n\n---------- Forwarded message ---------\nFrom: Billing <billing@acme.test>\nDate: Mon, 4 May 2026 at 08:00\nSubject: Refund\nTo: <support@acme.test>\n\nRefund issued, ticket 5512.\n",
    contains=[ANSWER],
)

# HTML -------------------------------------------------------------------------------------
html_gmail = f'<div dir="ltr">{ANSWER}<br></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 4 May 2026 at 09:00, Outcry complaints &lt;{TO}&gt; wrote:<br></div><blockquote class="gmail_quote">{QUOTED}</blockquote></div>'
write(
    "gmail_en_alternative",
    headers(extra='Content-Type: multipart/alternative; boundary="alt"\r\n')
    + f"\r\n--alt\r\n{plain(ANSWER + chr(10) + chr(10) + 'On Mon, 4 May 2026 at 09:00, Outcry complaints <' + TO + '> wrote:' + chr(10) + '> ' + QUOTED)}\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html_gmail}\r\n--alt--\r\n",
    kind="reply",
    contains=[ANSWER],
    excludes=[QUOTED],
)
write(
    "html_only_gmail",
    headers(extra="Content-Type: text/html; charset=utf-8\r\n") + "\r\n" + html_gmail,
    kind="reply",
    contains=[ANSWER],
    excludes=[QUOTED],
)
write(
    "html_only_outlook",
    headers(extra="Content-Type: text/html; charset=utf-8\r\n")
    + f'\r\n<html><head><style>p {{color: red}}</style></head><body><p>{ANSWER}</p><p>Kind regards,<br>Dana</p><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Outcry complaints<br><b>Sent:</b> Monday<br></div><div>{QUOTED}</div></body></html>',
    kind="reply",
    contains=[ANSWER],
    excludes=["color: red"],
)
write(
    "html_only_thunderbird",
    headers(extra="Content-Type: text/html; charset=utf-8\r\n")
    + f'\r\n<html><body><p>{ANSWER}</p><div class="moz-cite-prefix">On 04/05/2026 09:00, Outcry complaints wrote:<br></div><blockquote type="cite">{QUOTED}</blockquote></body></html>',
    kind="reply",
    contains=[ANSWER],
    excludes=[QUOTED],
)
write(
    "html_with_script",
    headers(extra="Content-Type: text/html; charset=utf-8\r\n")
    + f'\r\n<html><body><script>alert("x")</script><p onclick="steal()">{ANSWER} &amp; more</p><img src="https://tracker.example/p.gif"></body></html>',
    kind="reply",
    contains=[ANSWER + " & more"],
    excludes=['alert("x")', "steal()", "tracker.example"],
)

# Attachments ------------------------------------------------------------------------------
pdf = base64.encodebytes(b"%PDF-1.4\n% a refund receipt\n" * 20).decode()
write(
    "attachment_pdf",
    headers(extra='Content-Type: multipart/mixed; boundary="mix"\r\n')
    + f"\r\n--mix\r\n{plain(ANSWER + ' The receipt is attached.')}\r\n--mix\r\nContent-Type: application/pdf; name=receipt.pdf\r\nContent-Disposition: attachment; filename=receipt.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n--mix--\r\n",
    kind="reply",
    contains=[ANSWER + " The receipt is attached."],
    excludes=["%PDF"],
)
write(
    "attachment_inline_image_html",
    headers(extra='Content-Type: multipart/related; boundary="rel"\r\n')
    + f'\r\n--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>{ANSWER}</p><img src="cid:logo">\r\n--rel\r\nContent-Type: image/png\r\nContent-ID: <logo>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--rel--\r\n',
    kind="reply",
    contains=[ANSWER],
)

# Charsets and encodings ---------------------------------------------------------------------
write(
    "latin1_quoted_printable_de",
    headers(subject="=?iso-8859-1?q?Re:_Beschwerde_=FCber_Acme?=")
    + plain(
        "Wir haben die R=FCckerstattung veranlasst. Gr=FC=DFe\r\n", "iso-8859-1", "quoted-printable"
    ),
    kind="reply",
    contains=["Wir haben die Rückerstattung veranlasst. Grüße"],
)


def legacy(name: str, text: str, charset: str, codec: str) -> None:
    head = (
        headers()
        + f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    write(name, head.encode("ascii") + f"{text}\r\n".encode(codec), kind="reply", contains=[text])


legacy("windows1252_fr", "Nous avons remboursé les 12€ – merci.", "windows-1252", "cp1252")  # noqa: RUF001 - cp1252 0x96
legacy("koi8r_ru", "Мы вернули деньги сегодня.", "koi8-r", "koi8_r")
legacy("shift_jis_ja", "本日、返金いたしました。", "shift_jis", "shift_jis")
write(
    "base64_utf8",
    headers()
    + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + base64.encodebytes(f"{ANSWER} ✓\n".encode()).decode(),
    kind="reply",
    contains=[ANSWER + " ✓"],
)
write(
    "unknown_charset",
    headers() + plain("We refunded you today.\r\n", "x-no-such-charset"),
    kind="reply",
    contains=["We refunded you today."],
)

# Malformed MIME ---------------------------------------------------------------------------------
write(
    "malformed_no_closing_boundary",
    headers(extra='Content-Type: multipart/alternative; boundary="cut"\r\n')
    + f"\r\n--cut\r\n{plain(ANSWER)}\r\n--cut\r\nContent-Type: text/html\r\n\r\n<p>{ANSWER}",
    kind="reply",
    contains=[ANSWER],
)
write(
    "malformed_missing_boundary_param",
    headers(extra="Content-Type: multipart/mixed\r\n") + f"\r\n{ANSWER}\r\n",
    kind="any",
)
write(
    "malformed_bad_headers",
    f"From dana@acme.test  Mon May  4 10:15:00 2026\r\nFrom: <<<dana@acme.test\r\nSubject: =?utf-8?b?broken?=\r\nMessage-ID: <malformed.corpus@acme.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{ANSWER}\r\n",
    kind="any",
)
write(
    "only_quoted_text",
    headers()
    + plain(f"On Mon, 4 May 2026 at 09:00, Outcry complaints <{TO}> wrote:\n> {QUOTED}\n"),
    kind="empty",
)

# Automatic replies (RFC 3834 and the usual clues) -------------------------------------------------
write(
    "auto_submitted_auto_replied",
    headers(subject="Re: Complaint #7", extra="Auto-Submitted: auto-replied\r\n")
    + plain("Thanks for your message. We answer within 5 working days.\n"),
    kind="auto_reply",
)
write(
    "auto_x_autoreply",
    headers(subject="Re: Complaint #7", extra="X-Autoreply: yes\r\n") + plain("I am away.\n"),
    kind="auto_reply",
)
write(
    "auto_outlook_subject",
    headers(subject="Automatic reply: Complaint #7 about Acme")
    + plain("I am out of the office until 11 May.\n"),
    kind="auto_reply",
)
write(
    "auto_de_subject",
    headers(subject="Abwesenheitsnotiz: Beschwerde #7")
    + plain("Ich bin bis zum 11. Mai nicht im Büro.\n"),
    kind="auto_reply",
)
write(
    "auto_fr_encoded_subject",
    headers(subject="=?utf-8?q?R=C3=A9ponse_automatique_:_Plainte_#7?=")
    + plain("Je suis absente jusqu'au 11 mai.\n"),
    kind="auto_reply",
)
write(
    "auto_precedence",
    headers(subject="We received your request [#5512]", extra="Precedence: auto_reply\r\n")
    + plain("Your ticket number is 5512.\n"),
    kind="auto_reply",
)
write(
    "auto_submitted_no_is_human",
    headers(extra="Auto-Submitted: no\r\n") + plain(ANSWER + "\n"),
    kind="reply",
    contains=[ANSWER],
)


# Delivery status notifications (RFC 3464) -------------------------------------------------------
def dsn(
    name: str, action: str, final: str, status: str, extra: str = "", kind: str = "bounce"
) -> None:
    write(
        name,
        f'From: Mail Delivery System <MAILER-DAEMON@mx.acme.test>\r\nTo: {TO}\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <{name}@mx.acme.test>\r\nDate: Mon, 04 May 2026 10:15:00 +0200\r\nMIME-Version: 1.0\r\n{extra}Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n--r\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.acme.test.\r\n\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.test\r\nArrival-Date: Mon, 4 May 2026 10:14:00 +0200\r\n\r\n{final}Action: {action}\r\nStatus: {status}\r\nDiagnostic-Code: smtp; 550 5.1.1 <support@acme.test>: Recipient address rejected\r\n\r\n--r\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: Outcry complaints <{TO}>\r\nSubject: Complaint #7\r\n\r\n--r--\r\n',
        kind=kind,
        recipient="support@acme.test",
    )


dsn(
    "dsn_postfix",
    "failed",
    "Final-Recipient: rfc822; support@acme.test\r\nOriginal-Recipient: rfc822;support@acme.test\r\n",
    "5.1.1",
)
dsn(
    "dsn_exchange_original_recipient",
    "failed",
    "Original-Recipient: rfc822;support@acme.test\r\nFinal-Recipient: RFC822; support@acme.test\r\n",
    "5.4.1",
)
dsn(
    "dsn_delayed_is_not_a_failure",
    "delayed",
    "Final-Recipient: rfc822; support@acme.test\r\n",
    "4.4.1",
    extra="Auto-Submitted: auto-replied\r\n",
    kind="auto_reply",
)
write(
    "bounce_qmail_old_style",
    f"From: MAILER-DAEMON@mx.acme.test\r\nTo: {TO}\r\nSubject: failure notice\r\nMessage-ID: <qmail.corpus@mx.acme.test>\r\n\r\nHi. This is the qmail-send program at mx.acme.test.\r\nI'm afraid I wasn't able to deliver your message to the following addresses.\r\n<support@acme.test>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n",
    kind="bounce",
    recipient="",
)

(HERE / "manifest.json").write_text(
    json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
)
print(f"{len(manifest)} messages")
