"""The catalogue the Flutter data set is built from: subjects (a model class with typed fields) and one
renderer per widget kind, each turning (subject, variant) into (instruction, Dart file, spec).

Kinds: stateless (a card showing one record), stateful (a counter with setState), form (Form with
validated TextFormFields and a submit callback), list (ListView of records with a tap callback),
navigation (list -> detail through a named route), provider (a ChangeNotifier model read through
Provider/Consumer), future (async loading with FutureBuilder, waiting/error/data), theming (MaterialApp
with light/dark ThemeData from a seed colour). The spec names what meets_spec checks; the instruction
states every name in it, so a model can meet it from the prompt alone. Written for this project (MIT).
"""
from __future__ import annotations

from dataclasses import dataclass

KINDS = ("stateless", "stateful", "form", "list", "navigation", "provider", "future", "theming")


@dataclass(frozen=True)
class Subject:
    name: str                 # class name, e.g. Book
    plural: str               # lower-case plural, e.g. books
    fields: tuple             # ((name, type, sample literal), ...), the first a String label
    colour: str               # a Colors.* name for theming
    icon: str                 # an Icons.* name


def _s(name, plural, colour, icon, *fields):
    return Subject(name, plural, tuple(tuple(f.split(":", 2)) for f in fields), colour, icon)


SUBJECTS = (
    _s("Book", "books", "indigo", "book", "title:String:'Dune'", "author:String:'Frank Herbert'", "pages:int:412"),
    _s("Recipe", "recipes", "orange", "restaurant", "name:String:'Pancakes'", "minutes:int:20", "vegan:bool:false"),
    _s("Task", "tasks", "blue", "check_circle", "title:String:'Water plants'", "done:bool:false", "priority:int:2"),
    _s("Note", "notes", "amber", "note", "heading:String:'Ideas'", "body:String:'Try Flutter'"),
    _s("Contact", "contacts", "teal", "person", "fullName:String:'Ada Lovelace'", "phone:String:'555-0100'",
       "favourite:bool:true"),
    _s("Product", "products", "green", "shopping_cart", "label:String:'Lamp'", "price:double:19.99", "stock:int:7"),
    _s("Movie", "movies", "red", "movie", "title:String:'Metropolis'", "year:int:1927", "rating:double:8.3"),
    _s("Song", "songs", "purple", "music_note", "title:String:'Blue Moon'", "artist:String:'Billie'",
       "seconds:int:201"),
    _s("Photo", "photos", "cyan", "photo", "caption:String:'Harbour'", "url:String:'https://example.com/p.jpg'"),
    _s("Event", "events", "deepOrange", "event", "title:String:'Meetup'", "venue:String:'Hall A'",
       "attendees:int:42"),
    _s("Workout", "workouts", "lime", "fitness_center", "activity:String:'Rowing'", "minutes:int:30",
       "calories:int:250"),
    _s("Expense", "expenses", "brown", "receipt", "payee:String:'Bakery'", "amount:double:4.5", "paid:bool:true"),
    _s("City", "cities", "lightBlue", "location_city", "name:String:'Lisbon'", "country:String:'Portugal'",
       "population:int:545000"),
    _s("Course", "courses", "deepPurple", "school", "title:String:'Algebra'", "teacher:String:'Ms Noether'",
       "credits:int:5"),
    _s("Ticket", "tickets", "pink", "confirmation_number", "code:String:'T-1001'", "seat:String:'12C'",
       "used:bool:false"),
    _s("Order", "orders", "blueGrey", "local_shipping", "reference:String:'ORD-7'", "total:double:59.0",
       "items:int:3"),
    _s("Message", "messages", "lightGreen", "message", "sender:String:'Sam'", "text:String:'Hello'",
       "unread:bool:true"),
    _s("Plant", "plants", "green", "local_florist", "species:String:'Fern'", "waterEveryDays:int:3"),
    _s("Pet", "pets", "orange", "pets", "name:String:'Rex'", "breed:String:'Collie'", "age:int:4"),
    _s("Car", "cars", "grey", "directions_car", "model:String:'Model T'", "maker:String:'Ford'", "year:int:1908"),
    _s("Hotel", "hotels", "indigo", "hotel", "name:String:'Seaview'", "stars:int:4", "pricePerNight:double:120.0"),
    _s("Flight", "flights", "blue", "flight", "number:String:'LH400'", "destination:String:'New York'",
       "delayed:bool:false"),
    _s("Article", "articles", "blueGrey", "article", "headline:String:'Rain again'", "author:String:'Kim'",
       "words:int:800"),
    _s("Podcast", "podcasts", "deepPurple", "podcasts", "title:String:'Deep Dive'", "host:String:'Alex'",
       "episodes:int:120"),
    _s("Invoice", "invoices", "teal", "request_quote", "number:String:'INV-3'", "amount:double:250.0",
       "overdue:bool:false"),
    _s("Habit", "habits", "amber", "repeat", "name:String:'Read'", "streak:int:12"),
    _s("Quote", "quotes", "purple", "format_quote", "text:String:'Stay hungry'", "author:String:'Jobs'"),
    _s("Game", "games", "red", "sports_esports", "title:String:'Chess'", "players:int:2", "online:bool:true"),
    _s("Room", "rooms", "cyan", "meeting_room", "name:String:'Atlas'", "capacity:int:8", "booked:bool:false"),
    _s("Doctor", "doctors", "lightBlue", "medical_services", "fullName:String:'Dr Who'",
       "speciality:String:'Cardiology'"),
    _s("Album", "albums", "pink", "album", "title:String:'Kind of Blue'", "band:String:'Miles Davis'",
       "tracks:int:5"),
    _s("Job", "jobs", "brown", "work", "role:String:'Baker'", "company:String:'Crumbs'", "salary:double:32000.0"),
    _s("Lesson", "lessons", "lime", "menu_book", "topic:String:'Fractions'", "minutes:int:45"),
    _s("Device", "devices", "blueGrey", "devices", "label:String:'Thermostat'", "online:bool:true",
       "battery:int:80"),
    _s("Parcel", "parcels", "deepOrange", "inventory", "trackingId:String:'PX-55'", "weightKg:double:2.5"),
    _s("Trip", "trips", "teal", "luggage", "destination:String:'Oslo'", "days:int:5", "budget:double:900.0"),
    _s("Review", "reviews", "amber", "rate_review", "author:String:'Lee'", "stars:int:5", "comment:String:'Great'"),
    _s("Player", "players", "green", "sports_soccer", "name:String:'Pele'", "goals:int:77", "captain:bool:false"),
    _s("Stock", "stocks", "red", "trending_up", "symbol:String:'ACME'", "price:double:12.3", "change:double:-0.4"),
    _s("Coupon", "coupons", "pink", "local_offer", "code:String:'SAVE10'", "percent:int:10", "expired:bool:false"),
    _s("Vehicle", "vehicles", "grey", "commute", "plate:String:'AB-123'", "seats:int:5"),
    _s("Garden", "gardens", "lightGreen", "yard", "name:String:'Rose Bed'", "areaM2:double:12.0"),
    _s("Symptom", "symptoms", "deepPurple", "sick", "name:String:'Cough'", "severity:int:2"),
    _s("Station", "stations", "indigo", "train", "name:String:'Central'", "platforms:int:12", "open:bool:true"),
)


def fields_text(s: Subject) -> str:
    return ", ".join(f"{n} ({t})" for n, t, _ in s.fields)


def model_class(s: Subject) -> str:
    params = ", ".join(f"required this.{n}" for n, _, _ in s.fields)
    decls = "\n".join(f"  final {t} {n};" for n, t, _ in s.fields)
    return f"class {s.name} {{\n  const {s.name}({{{params}}});\n\n{decls}\n}}\n"


def sample(s: Subject, k: int = 0) -> str:
    args = []
    for n, t, lit in s.fields:
        if t == "String":
            lit = lit[:-1] + (f" {k + 1}'" if k else "'")
        elif t == "int":
            lit = str(int(lit) + k)
        args.append(f"{n}: {lit}")
    return f"{s.name}({', '.join(args)})"


def label(s: Subject, var: str) -> str:
    return f"{var}.{s.fields[0][0]}"


def detail(s: Subject, var: str) -> str:
    """A Dart string showing the other fields of `var`."""
    rest = [n for n, _, _ in s.fields[1:]] or [s.fields[0][0]]
    return "'" + " · ".join(f"{n}: ${{{var}.{n}}}" for n in rest) + "'"
