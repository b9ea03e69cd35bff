"""What the demo store sells and who buys it: products, care notes, customers, branding and FAQ."""

CATALOGUE = {
    "Tees": ("Linen tee", "Organic cotton tee", "Merino tee", "Striped tee", "Pocket tee", "Boxy tee"),
    "Knitwear": ("Wool jumper", "Cashmere scarf", "Cable-knit cardigan", "Wool beanie", "Alpaca socks"),
    "Outerwear": ("Waxed jacket", "Down vest", "Rain shell", "Denim jacket", "Field coat"),
    "Trousers": ("Chino", "Selvedge jeans", "Cord trousers", "Linen shorts", "Cargo trousers"),
    "Footwear": ("Leather boots", "Canvas sneakers", "Suede loafers", "Trail runners", "Wool slippers"),
    "Accessories": ("Leather belt", "Canvas tote", "Wool cap", "Sunglasses", "Card wallet", "Enamel mug"),
    "Home": ("Linen napkins", "Wool throw", "Candle", "Ceramic vase", "Cotton towel", "Soap bar", "Notebook"),
}
CARE = {
    "Tees": "Wash at 30°C inside out; dry flat to keep the shape.",
    "Knitwear": "Hand wash cold with wool detergent; never tumble dry; store folded.",
    "Outerwear": "Spot clean; re-wax once a season to stay waterproof.",
    "Trousers": "Wash inside out at 30°C; wash raw denim as rarely as you can.",
    "Footwear": "Brush off dirt, condition leather monthly, dry away from heat.",
    "Accessories": "Wipe with a damp cloth; keep leather away from direct sun.",
    "Home": "See the label; linen softens with every wash.",
}
CUSTOMERS = [
    ("Ada", "Lovelace", "GB", "en"),
    ("Grace", "Hopper", "US", "en"),
    ("Jean", "Dupont", "FR", "fr"),
    ("Lena", "Schmidt", "DE", "de"),
    ("Lucía", "García", "ES", "es"),
    ("Alan", "Turing", "GB", "en"),
    ("Katherine", "Johnson", "US", "en"),
    ("Marie", "Curie", "FR", "fr"),
    ("Emmy", "Noether", "DE", "de"),
    ("Carmen", "Martín", "ES", "es"),
    ("Hedy", "Lamarr", "US", "en"),
    ("Dorothy", "Vaughan", "US", "en"),
]
CITIES = {"GB": "London", "US": "Portland", "FR": "Lyon", "DE": "Leipzig", "ES": "Valencia"}
CARRIERS = {
    "dhl": "https://www.dhl.com/track?tracking-id={}",
    "ups": "https://www.ups.com/track?tracknum={}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
}
# The order statuses the demo shows, by age: old orders are done, recent ones still moving.

BRAND = {
    "name": "Acme Outfitters",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "support_email": "help@acme.example",
    "primary_color": "#0f766e",
    "shopify_secret": "demo-shopify-secret",
}
PROMO = ("Members get free returns for 60 days: join the Acme club", "https://acme.example/club")
FAQ = {
    "en": [
        (
            "When will my order arrive?",
            "Most orders arrive 2–4 business days after dispatch. The estimate above updates with every scan.",
        ),
        (
            "Can I change my delivery address?",
            "Write to help@acme.example before your parcel ships and we will change it for you.",
        ),
    ],
    "de": [
        (
            "Wann kommt meine Bestellung an?",
            "Die meisten Bestellungen kommen 2–4 Werktage nach dem Versand an. "
            "Die Schätzung oben wird mit jedem Scan aktualisiert.",
        ),
        (
            "Kann ich meine Lieferadresse ändern?",
            "Schreib uns vor dem Versand an help@acme.example, dann ändern wir sie für dich.",
        ),
    ],
    "fr": [
        (
            "Quand ma commande arrivera-t-elle ?",
            "La plupart des commandes arrivent 2 à 4 jours ouvrés après "
            "l’expédition. L’estimation ci-dessus se met à jour à chaque scan.",
        ),
        (
            "Puis-je changer mon adresse de livraison ?",
            "Écrivez à help@acme.example avant l’expédition et nous la changerons pour vous.",
        ),
    ],
    "es": [
        (
            "¿Cuándo llegará mi pedido?",
            "La mayoría de los pedidos llegan 2–4 días hábiles después del envío. La "
            "estimación de arriba se actualiza con cada escaneo.",
        ),
        (
            "¿Puedo cambiar mi dirección de entrega?",
            "Escríbenos a help@acme.example antes del envío y la cambiaremos por ti.",
        ),
    ],
}
# The newest orders show one state each, so every state a merchant should see is there whatever
# --orders says (newest first). Older orders follow _status_for.
