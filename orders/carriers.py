"""Carriers as people know them: one display name for pages, emails, SMS and the admin."""

CARRIERS = {
    "dhl": "DHL",
    "dhl_express": "DHL Express",
    "dpd": "DPD",
    "gls": "GLS",
    "ups": "UPS",
    "usps": "USPS",
    "fedex": "FedEx",
    "tnt": "TNT",
    "hermes": "Hermes",
    "evri": "Evri",
    "postnl": "PostNL",
    "royal_mail": "Royal Mail",
    "royalmail": "Royal Mail",
    "colissimo": "Colissimo",
    "chronopost": "Chronopost",
    "la_poste": "La Poste",
    "deutsche_post": "Deutsche Post",
    "correos": "Correos",
    "seur": "SEUR",
    "mrw": "MRW",
    "canada_post": "Canada Post",
    "australia_post": "Australia Post",
}


def carrier_name(code: object) -> str:
    """A carrier code as people know it: dhl -> DHL, royal_mail -> Royal Mail; others title-cased."""
    code = str(code or "").strip()
    if not code:
        return ""
    known = CARRIERS.get(code.lower().replace("-", "_").replace(" ", "_"))
    if known:
        return known
    return code if any(c.isupper() for c in code) else code.replace("_", " ").title()
