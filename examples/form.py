"""Form: every input aioserve has, and what Python sees of each, as you type.

Served with: aioserve serve examples/form.py  (or `make serve`)

Each control's value reaches Python through `on_change` (or `on_upload` for the
file); the panel on the right is rewritten by those callbacks, so it shows
exactly what the server holds. "Submit" checks the form in Python.
"""

import datetime as dt
import html

from aioserve import curdoc
from aioserve.models import (
    Button,
    Card,
    Checkbox,
    Column,
    DatePicker,
    Div,
    FileInput,
    Markdown,
    MultiSelect,
    NumberInput,
    RadioGroup,
    RangeSlider,
    Row,
    Select,
    Slider,
    TextArea,
    TextInput,
    Toggle,
)

doc = curdoc()
doc.title = "Every input"

name = TextInput(title="Name", placeholder="Ada Lovelace")
email = TextInput(title="Email", placeholder="ada@example.org")
bio = TextArea(title="A few words", placeholder="A line or two", rows=3)
age = NumberInput(title="Age", low=0, high=130, step=1)
born = DatePicker(title="Start date", value=dt.date.today(), min_date=dt.date.today(),
                  max_date=dt.date.today() + dt.timedelta(days=365))
country = Select(title="Country", value="no", options=[
    ("no", "Norway"), ("pe", "Peru"), ("eg", "Egypt"), ("jp", "Japan"), ("ca", "Canada")])
languages = MultiSelect(title="Languages", options=["Python", "JavaScript", "Rust", "Go",
                                                    "SQL"], value=["Python"], size=5)
level = RadioGroup(title="Experience", labels=["Beginner", "Intermediate", "Expert"],
                   active=1, inline=True)
hours = Slider(title="Hours a week", start=0, end=40, step=1, value=10)
budget = RangeSlider(title="Budget (k€)", start=0, end=100, step=5, value=(20, 60))
news = Checkbox(label="Send me the newsletter")
public = Toggle(label="Public profile")
photo = FileInput(title="Attachment (up to 1 MB)", accept=".txt,.csv,.png,.jpg",
                  max_size=1024 * 1024)
submit = Button(label="Submit", button_type="primary")
reset = Button(label="Reset")
seen = Div(name="seen")
outcome = Div(name="outcome")
upload: dict[str, object] = {}

FIELDS = {
    "name": (name, "value"), "email": (email, "value"), "bio": (bio, "value"),
    "age": (age, "value"), "start": (born, "value"), "country": (country, "value"),
    "languages": (languages, "value"), "experience": (level, "active"),
    "hours": (hours, "value"), "budget": (budget, "value"), "newsletter": (news, "active"),
    "public": (public, "active"),
}
INITIAL = {key: getattr(model, attr) for key, (model, attr) in FIELDS.items()}


def shown(key: str, value: object) -> str:
    if key == "experience" and isinstance(value, int):
        return level.labels[value]
    if key == "budget" and isinstance(value, list):
        return f"{value[0]:g} – {value[1]:g} k€"
    if key == "country":
        return dict(country.options)[value]  # type: ignore[arg-type]
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    if value in ("", None):
        return "—"
    return str(value)


def show(*_: object) -> None:
    rows = "".join(
        f"<tr><th>{key}</th><td>{html.escape(shown(key, getattr(model, attr)))}</td></tr>"
        for key, (model, attr) in FIELDS.items())
    if upload:
        rows += (f"<tr><th>attachment</th><td>{html.escape(str(upload['name']))}, "
                 f"{upload['size']:,} bytes<br><small>{html.escape(str(upload['head']))}"
                 "</small></td></tr>")
    seen.text = f"<table class='form-seen'>{rows}</table>"


def uploaded(filename: str, content: bytes, mime_type: str) -> None:
    head = content[:60].decode("utf-8", "replace") if mime_type.startswith("text") else mime_type
    upload.update(name=filename, size=len(content), head=head)
    show()


def check() -> None:
    problems = []
    if not name.value.strip():
        problems.append("a name")
    if "@" not in email.value:
        problems.append("an email address with an @")
    if age.value is None:
        problems.append("an age")
    if problems:
        outcome.text = ("<p style='color:var(--aio-danger);margin:0'>Please give "
                        + " and ".join(problems) + ".</p>")
    else:
        outcome.text = (f"<p style='color:var(--aio-success);margin:0'>Thank you, "
                        f"{html.escape(name.value)}! Your form was received.</p>")


def clear() -> None:
    with doc.hold():
        for key, (model, attr) in FIELDS.items():
            setattr(model, attr, INITIAL[key])
        name.value_input = email.value_input = ""
        upload.clear()
        outcome.text = ""
        show()


for model, attr in FIELDS.values():
    model.on_change(attr, show)
photo.on_upload(uploaded)
submit.on_click(check)
reset.on_click(clear)

about = Card(Row(name, email), bio, Row(age, born), title="About you", collapsible=False)
choices = Card(Row(country, languages), level, Row(hours, budget), Row(news, public),
               title="Preferences", collapsible=False)
files = Card(photo, title="Files", collapsible=True, sizing_mode="stretch_width")
form = Column(about, choices, files, Row(submit, reset), outcome)
panel = Card(Markdown(text="Rewritten by the `on_change` callbacks: this is what the "
                      "server holds."), seen, title="What Python sees", width=380,
             collapsible=False)
header = Markdown(text="# Every input\nEach control is a native HTML control: labels, "
                  "keyboard and focus work as anywhere on the web.")
doc.add_root(Column(header, Row(form, panel, gap=20)))
show()
