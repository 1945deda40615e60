"""Free-mail domains: anyone can get an address there, so an address proves nothing about a
company (docs/lifecycle.md, "Companies that prove who they are")."""

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "protonmail.ch",
        "pm.me",
        "mail.com",
        "mail.ru",
        "ya.ru",
        "zoho.com",
        "zohomail.com",
        "tutanota.com",
        "tuta.io",
        "fastmail.com",
        "hey.com",
        "web.de",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "rediffmail.com",
        "hushmail.com",
        "mailfence.com",
        "yopmail.com",
        "guerrillamail.com",
    }
)
# Providers that give out addresses under many country domains: yahoo.co.uk, gmx.de, hotmail.fr…
FREE_MAIL_BRANDS = frozenset({"yahoo", "ymail", "hotmail", "gmx", "yandex", "outlook", "live"})
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "ne", "or"})


def is_free_mail(domain: str) -> bool:
    domain = domain.lower().rstrip(".")
    labels = domain.split(".")
    if any(domain == d or domain.endswith("." + d) for d in FREE_MAIL_DOMAINS):
        return True
    # brand.tld or brand.co.tld, not a company's own subdomain like yahoo.acme.com
    if labels[0] not in FREE_MAIL_BRANDS:
        return False
    return len(labels) == 2 or (len(labels) == 3 and labels[1] in _SECOND_LEVEL)
