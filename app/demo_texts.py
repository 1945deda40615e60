"""The demo data's words: companies, first names, complaint stories, replies and the mix of
outcomes (``app/demo.py`` builds the data from them)."""

from app.models.complaint import Category, ResolutionType

COMPANIES = [
    ("Northwind Telecom", "northwind-telecom.example", "Broadband, mobile and TV."),
    ("Brightline Energy", "brightline-energy.example", "Gas and electricity supplier."),
    ("Cobalt Bank", "cobaltbank.example", "Retail bank and credit cards."),
    ("Parcelfast", "parcelfast.example", "Parcel delivery."),
    ("Skyway Airlines", "skyway-air.example", "Short and long-haul flights."),
    ("Harbor Insurance", "harbor-insurance.example", "Home, car and travel insurance."),
    ("Quickcart", "quickcart.example", "Online groceries."),
    ("Meridian Mobile", "meridian-mobile.example", "Mobile network."),
    ("Lumen Streaming", "lumenstream.example", "Video streaming subscriptions."),
    ("Evergreen Water", "evergreen-water.example", "Water and sewerage."),
    ("Atlas Rail", "atlasrail.example", "Train operator."),
    ("Pinnacle Gym", "pinnaclegym.example", "Gym chain."),
    ("Foxglove Furniture", "foxglove-furniture.example", "Furniture retailer."),
    ("Redwood Realty", "redwood-lettings.example", "Letting agent."),
    ("Orbit Electronics", "orbit-electronics.example", "Electronics retailer."),
    ("Sunrise Hotels", "sunrise-hotels.example", "Hotel chain."),
    ("Keystone Credit", "keystone-credit.example", "Personal loans."),
    ("Tidewater Cable", "tidewater-cable.example", "Cable TV and internet."),
    ("Cedar Health", "cedarhealth.example", "Private health insurance."),
    ("Vista Car Rental", "vistacar.example", "Car rental."),
    ("Maple Post", "maplepost.example", "Postal service."),
    ("Nimbus Cloud Storage", "nimbus-storage.example", "Online storage."),
    ("Granite Home Repairs", "granite-repairs.example", "Home repairs and boilers."),
    ("Willow Pharmacy", "willowpharmacy.example", "Pharmacy chain."),
    ("Bluejay Broadband", "bluejay-broadband.example", "Cable and internet."),
]

SECTORS = {  # docs/industries.md
    "Northwind Telecom": "telecoms",
    "Brightline Energy": "energy",
    "Cobalt Bank": "banking",
    "Parcelfast": "delivery",
    "Skyway Airlines": "travel",
    "Harbor Insurance": "insurance",
    "Quickcart": "retail",
    "Meridian Mobile": "telecoms",
    "Lumen Streaming": "leisure",
    "Evergreen Water": "energy",
    "Atlas Rail": "travel",
    "Pinnacle Gym": "leisure",
    "Foxglove Furniture": "retail",
    "Redwood Realty": "housing",
    "Orbit Electronics": "retail",
    "Sunrise Hotels": "travel",
    "Keystone Credit": "banking",
    "Tidewater Cable": "telecoms",
    "Cedar Health": "insurance",
    "Vista Car Rental": "travel",
    "Maple Post": "delivery",
    "Nimbus Cloud Storage": "technology",
    "Granite Home Repairs": "housing",
    "Willow Pharmacy": "health",
    "Bluejay Broadband": "telecoms",
}

FIRST = [
    "Maria",
    "James",
    "Aisha",
    "Tomasz",
    "Wei",
    "Sofia",
    "Kwame",
    "Elena",
    "Ravi",
    "Chloe",
    "Diego",
    "Hannah",
    "Yusuf",
    "Ingrid",
    "Mateo",
    "Priya",
    "Oliver",
    "Fatima",
    "Lukas",
    "Mei",
]

PROBLEMS: dict[Category, list[tuple[str, str]]] = {
    Category.BILLING: [
        (
            "Charged twice for {month}",
            "My card was charged twice for the {month} bill. I have "
            "the bank statement showing both payments.",
        ),
        (
            "Bill tripled with no explanation",
            "My usual bill is about {amount} and this month it "
            "came to three times that. Nobody can tell me why.",
        ),
    ],
    Category.REFUND: [
        (
            "Refund promised {weeks} weeks ago never arrived",
            "I returned the item and was told the "
            "refund of {amount} would take 5 working days. It has been {weeks} weeks.",
        ),
        (
            "Cancelled order, still no refund",
            "I cancelled within the cooling-off period and got "
            "a confirmation email, but the {amount} has not come back.",
        ),
    ],
    Category.DELIVERY: [
        (
            "Parcel marked delivered but never arrived",
            "Tracking says it was left with a neighbour "
            "but nobody on my street has it. The driver photo shows a different door.",
        ),
        (
            "Missed delivery slot three times",
            "I took three days off work for a delivery window "
            "and nobody came. Each time I was given a new slot.",
        ),
    ],
    Category.OUTAGE: [
        (
            "No internet for {days} days",
            "The connection dropped on a Monday and has not come "
            "back. I work from home and have lost {days} days of work.",
        ),
        (
            "Repeated outages every evening",
            "Every evening between 7 and 10 the service drops. "
            "Engineers have visited twice and found nothing.",
        ),
    ],
    Category.QUALITY: [
        (
            "Replacement broke within a week",
            "The original broke, the replacement broke within a "
            "week, and now they say the warranty does not cover it.",
        ),
    ],
    Category.CANCELLATION: [
        (
            "Cannot cancel my contract",
            "The website says to call, the phone line says to use the "
            "website. I have tried to cancel since {month} and I am still being billed.",
        ),
        (
            "Charged after cancelling",
            "I cancelled in {month} and have a reference number, but "
            "they charged me {amount} again this month.",
        ),
    ],
    Category.SUPPORT: [
        (
            "Bounced between departments for weeks",
            "Every call I am transferred at least twice and "
            "asked for my account number each time. Nobody owns the problem.",
        ),
        (
            "Chat closes before anyone answers",
            "I wait in the chat queue for an hour and then it "
            "closes with 'we are experiencing high demand'.",
        ),
    ],
    Category.PRIVACY: [
        (
            "They sent my details to someone else",
            "A letter with my account details went to a "
            "different address. I want to know what else was shared.",
        ),
    ],
    Category.OTHER: [
        (
            "Loyalty points disappeared",
            "Years of points vanished after a system upgrade and "
            "support says there is no record of them.",
        ),
    ],
}

REPLIES = [
    "Hello, I'm sorry for the trouble. I've looked into your account and escalated this to the "
    "team that can fix it. I'll update you here within two working days.",
    "Thanks for raising this. Could you confirm the date you first contacted us? I can see some "
    "of the history but not all of it.",
    "I apologise — this should have been handled the first time you called. I'm taking ownership "
    "of it now.",
]
RESOLUTIONS = [
    (ResolutionType.MONETARY, "We have refunded the full amount and added a goodwill credit."),
    (
        ResolutionType.NON_MONETARY,
        "An engineer fixed the fault and we have confirmed it is stable.",
    ),
    (ResolutionType.EXPLANATION, "We've explained the charge: it was a one-off adjustment."),
]
OUTCOMES = [
    "A full refund.",
    "Fix the problem and credit the lost days.",
    "Cancel the contract with no fee.",
    "An apology and an explanation.",
    "",
]

# Target share of final states; the timing of each complaint then decides what is possible.
PLAN = (
    ["confirmed"] * 35
    + ["answered"] * 18
    + ["open"] * 14
    + ["resolved"] * 13
    + ["disputed"] * 8
    + ["withdrawn"] * 7
    + ["resolved_after_dispute"] * 5
)
