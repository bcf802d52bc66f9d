"""The map's pins answer (concerns/views.py `pins`) read as the map's script reads it: each pin
an object with its category's and status's names and its page's link."""


def pins_of(answer):
    """The pins of a parsed pins.json answer, as objects."""
    at = {name: i for i, name in enumerate(answer["columns"])}
    return [
        {
            "id": row[at["id"]],
            "lat": row[at["lat"]],
            "lon": row[at["lon"]],
            "category": answer["categories"][str(row[at["category"]])],
            "status": answer["statuses"][row[at["status"]]],
            "url": answer["url"].replace("{id}", str(row[at["id"]])),
        }
        for row in answer["pins"]
    ]
