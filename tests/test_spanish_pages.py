"""A resident who reads Spanish gets the newer public pages in Spanish, not in English.

Each page is asked for in Spanish, as a browser set to Spanish asks; it must speak Spanish and
carry none of the English sentence it translates (a missing or fuzzy catalogue entry shows the
English).
"""

import pytest

PAGES = [
    ("/programmes/", "Maneras de conocer a su Policía", "Ways to meet your police"),
    ("/announcements/", "Todavía no hay anuncios.", "No announcements yet."),
    (
        "/subscribe/?agency=smyrna-pd",
        "Noticias de Smyrna Police Department por correo electrónico",
        "News from Smyrna Police Department by email",
    ),
    (
        "/agencies/smyrna-pd/hotspots/",
        "Puntos calientes de inquietudes",
        "Hotspots of concerns",
    ),
    (
        "/projects/",
        "En este momento no hay proyectos que busquen personas voluntarias.",
        "No projects are looking for volunteers just now.",
    ),
    (
        "/agencies/smyrna-pd/transparency/",
        "Smyrna Police Department: cómo vamos",
        "Smyrna Police Department: how we are doing",
    ),
    (
        "/agencies/smyrna-pd/areas/smyrna/",
        "Conozca a sus agentes",
        "Meet your officers",
    ),
    (
        "/agencies/smyrna-pd/embed/",
        "Todavía no hay reuniones previstas.",
        "No meetings are planned yet.",
    ),
    (
        "/data/",
        "Descargue lo que muestran las páginas públicas",
        "Download what the public pages show",
    ),
]


@pytest.mark.parametrize(("url", "spanish", "english"), PAGES)
def test_newer_public_pages_speak_spanish(town, client, url, spanish, english):
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in page
    assert spanish in page
    assert english not in page
