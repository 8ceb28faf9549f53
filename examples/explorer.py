"""Explorer: filter a table of world cities and chart what is left.

Served with: aioserve serve examples/explorer.py  (or `make serve`)

The filters run in Python on every change and replace the source's data; the
table, the scatter chart and the bar chart all follow the one source. Select
rows in the table (click, Ctrl-click, Shift-click, or arrows and Space) and
Python reports on them. Figures are rounded and approximate, for illustration.
"""

from aioserve import curdoc
from aioserve.models import (
    Button,
    Card,
    Chart,
    Column,
    ColumnDataSource,
    DataTable,
    Div,
    Markdown,
    MultiSelect,
    RangeSlider,
    Row,
    Select,
    TextInput,
)

# city, country, continent, metro population (millions), latitude, mean temperature (°C),
# yearly rainfall (mm)
CITIES = [
    ("Tokyo", "Japan", "Asia", 37.4, 35.7, 15.8, 1530),
    ("Delhi", "India", "Asia", 31.0, 28.6, 25.0, 790),
    ("Shanghai", "China", "Asia", 27.1, 31.2, 17.1, 1160),
    ("São Paulo", "Brazil", "South America", 22.0, -23.6, 19.3, 1450),
    ("Mexico City", "Mexico", "North America", 21.8, 19.4, 16.6, 820),
    ("Cairo", "Egypt", "Africa", 21.3, 30.0, 22.0, 25),
    ("Dhaka", "Bangladesh", "Asia", 21.7, 23.8, 26.1, 2120),
    ("Mumbai", "India", "Asia", 20.7, 19.1, 27.2, 2200),
    ("Beijing", "China", "Asia", 20.5, 39.9, 12.9, 570),
    ("Osaka", "Japan", "Asia", 19.1, 34.7, 16.9, 1280),
    ("New York", "United States", "North America", 18.8, 40.7, 13.0, 1270),
    ("Karachi", "Pakistan", "Asia", 16.5, 24.9, 26.0, 170),
    ("Istanbul", "Türkiye", "Europe", 15.4, 41.0, 15.0, 820),
    ("Buenos Aires", "Argentina", "South America", 15.2, -34.6, 18.0, 1240),
    ("Kinshasa", "DR Congo", "Africa", 14.9, -4.3, 25.3, 1500),
    ("Lagos", "Nigeria", "Africa", 14.9, 6.5, 27.0, 1690),
    ("Kolkata", "India", "Asia", 14.9, 22.6, 26.8, 1580),
    ("Manila", "Philippines", "Asia", 14.2, 14.6, 28.0, 2050),
    ("Rio de Janeiro", "Brazil", "South America", 13.5, -22.9, 23.8, 1170),
    ("Moscow", "Russia", "Europe", 12.6, 55.8, 5.8, 710),
    ("Los Angeles", "United States", "North America", 12.4, 34.1, 18.6, 380),
    ("Paris", "France", "Europe", 11.1, 48.9, 12.3, 640),
    ("Lima", "Peru", "South America", 10.9, -12.0, 19.2, 15),
    ("Bangkok", "Thailand", "Asia", 10.7, 13.8, 28.6, 1650),
    ("London", "United Kingdom", "Europe", 9.5, 51.5, 11.3, 600),
    ("Chicago", "United States", "North America", 8.9, 41.9, 10.0, 940),
    ("Madrid", "Spain", "Europe", 6.7, 40.4, 15.0, 420),
    ("Santiago", "Chile", "South America", 6.8, -33.4, 14.5, 310),
    ("Toronto", "Canada", "North America", 6.3, 43.7, 9.4, 830),
    ("Johannesburg", "South Africa", "Africa", 6.1, -26.2, 16.0, 710),
    ("Singapore", "Singapore", "Asia", 6.0, 1.4, 27.6, 2340),
    ("Sydney", "Australia", "Oceania", 5.3, -33.9, 18.4, 1150),
    ("Melbourne", "Australia", "Oceania", 5.1, -37.8, 15.0, 650),
    ("Nairobi", "Kenya", "Africa", 4.9, -1.3, 19.0, 870),
    ("Cape Town", "South Africa", "Africa", 4.8, -33.9, 17.0, 520),
    ("Berlin", "Germany", "Europe", 3.6, 52.5, 10.0, 570),
    ("Auckland", "New Zealand", "Oceania", 1.7, -36.8, 15.2, 1210),
    ("Oslo", "Norway", "Europe", 1.1, 59.9, 6.3, 760),
    ("Anchorage", "United States", "North America", 0.3, 61.2, 3.0, 410),
    ("Reykjavík", "Iceland", "Europe", 0.2, 64.1, 5.0, 800),
]
FIELDS = ["city", "country", "continent", "population", "latitude", "temperature", "rainfall"]
MEASURES = {"latitude": "Latitude (°)", "temperature": "Mean temperature (°C)",
            "rainfall": "Rainfall (mm / year)", "population": "Population (millions)"}
CONTINENTS = sorted({row[2] for row in CITIES})

doc = curdoc()
doc.title = "City explorer"
source = ColumnDataSource(data={f: [] for f in FIELDS})
top = ColumnDataSource(data={"city": [], "population": []})

continents = MultiSelect(title="Continents", options=CONTINENTS, value=CONTINENTS, size=6)
population = RangeSlider(title="Population (millions)", start=0, end=40, step=0.5,
                         value=(0, 40))
search = TextInput(title="Search", placeholder="city or country")
x_axis = Select(title="X axis", options=list(MEASURES.items()), value="latitude")
y_axis = Select(title="Y axis", options=list(MEASURES.items()), value="temperature")
clear = Button(label="Clear filters")
summary = Div(name="summary")
picked = Markdown(name="picked", text="*Select rows in the table to compare cities.*")

table = DataTable(source=source, height=330, columns=[
    {"field": "city", "title": "City"}, {"field": "country", "title": "Country"},
    {"field": "continent", "title": "Continent"},
    {"field": "population", "title": "Pop. (M)"}, {"field": "latitude", "title": "Lat."},
    {"field": "temperature", "title": "Temp. (°C)"},
    {"field": "rainfall", "title": "Rain (mm)"}])
scatter = Chart(source=source, x="latitude", height=300,
                series=[{"y": "temperature", "kind": "scatter", "color": "#4e79a7"}],
                legend=False)
bars = Chart(source=top, x="city", x_type="category", height=300,
             title="Largest cities shown", y_label="millions",
             series=[{"y": "population", "kind": "bar", "color": "#f28e2b"}], legend=False)


def chart_title(x: str, y: str) -> str:
    """"Mean temperature (°C) by latitude (°)": only the first letter is lowered (°C stays)."""
    if x == y:
        return f"{MEASURES[y]}, on both axes"
    name = MEASURES[x]
    return f"{MEASURES[y]} by {name[0].lower()}{name[1:]}"


def rows_shown() -> list[tuple]:
    words = search.value_input.strip().lower()
    low, high = population.value
    return [row for row in CITIES
            if row[2] in continents.value and low <= row[3] <= high
            and (not words or words in row[0].lower() or words in row[1].lower())]


def refresh(*_: object) -> None:
    rows = rows_shown()
    with doc.hold():  # one message for the table, both charts and the texts
        source.selected = []
        source.data = {f: [row[i] for row in rows] for i, f in enumerate(FIELDS)}
        biggest = sorted(rows, key=lambda r: -r[3])[:10]
        top.data = {"city": [r[0] for r in biggest], "population": [r[3] for r in biggest]}
        scatter.x = x_axis.value
        scatter.series = [{"y": y_axis.value, "kind": "scatter", "color": "#4e79a7",
                           "label": MEASURES[y_axis.value]}]
        scatter.title = chart_title(x_axis.value, y_axis.value)
        scatter.x_label, scatter.y_label = MEASURES[x_axis.value], MEASURES[y_axis.value]
        people = sum(r[3] for r in rows)
        summary.text = (f"<strong>{len(rows)}</strong> of {len(CITIES)} cities shown, "
                        f"home to about <strong>{people:,.0f} million</strong> people.")
        show_picked("selected", [], [])


def show_picked(attr: str, old: list[int], new: list[int]) -> None:
    if not new:
        picked.text = "*Select rows in the table to compare cities.*"
        return
    data = source.data
    lines = [f"**{len(new)} selected**", "",
             "| City | Temp. | Rain | Pop. |", "|---|---:|---:|---:|"]
    for i in new:
        lines.append(f"| {data['city'][i]} | {data['temperature'][i]} °C "
                     f"| {data['rainfall'][i]} mm | {data['population'][i]} M |")
    if len(new) > 1:
        temps = [data["temperature"][i] for i in new]
        lines += ["", f"Mean temperature {sum(temps) / len(temps):.1f} °C."]
    picked.text = "\n".join(lines)


def clear_filters() -> None:
    with doc.hold():
        continents.value = CONTINENTS
        population.value = (0, 40)
        search.value = search.value_input = ""


continents.on_change("value", refresh)
population.on_change("value", refresh)
search.on_change("value_input", refresh)
x_axis.on_change("value", refresh)
y_axis.on_change("value", refresh)
source.on_change("selected", show_picked)
clear.on_click(clear_filters)

filters = Card(continents, population, search, x_axis, y_axis, clear, title="Filters",
               width=320, collapsible=False)
details = Card(picked, title="Selection", width=320, collapsible=False)
header = Markdown(text="# City explorer\nForty of the world's cities. Filter them on the "
                  "left; the table and both charts follow one `ColumnDataSource`.")
main = Column(summary, Row(scatter, bars), table, gap=14)
doc.add_root(Column(header, Row(Column(filters, details), main, gap=20)))
refresh()
