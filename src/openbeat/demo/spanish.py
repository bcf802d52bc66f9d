"""The demo's department-written text in Spanish: what Smyrna's staff would enter in each form's
"in Spanish" field. Some text is left in English only (National Night Out, South Street Park's
access notes, the Lake Drive speed checks) so the demo also shows the fallback: on a Spanish page
that text is in English, marked lang="en".
"""

from openbeat.concerns.models import Category
from openbeat.core.models import Venue
from openbeat.events.models import Event, Programme
from openbeat.problems.models import Problem
from openbeat.projects.models import Project

PROGRAMMES = {
    "coffee-with-a-cop": {
        "name_es": "Café con un Policía",
        "description_es": (
            "Un espacio informal y neutral para hablar de los asuntos de la comunidad, crear "
            "relaciones y tomar café. Una iniciativa nacional apoyada por la Oficina de Servicios "
            "de Policía Orientada a la Comunidad del Departamento de Justicia de EE. UU."
        ),
        "how_to_join_es": "Pase por Bridgeway Family Restaurant: el café corre por nuestra cuenta.",
    },
    "community-awareness-meeting": {
        "name_es": "Reunión Comunitaria Informativa",
        "description_es": (
            "Foro abierto mensual con la Unidad de Policía Comunitaria: traiga los problemas de su "
            "vecindario, conozca los programas del departamento y súmese a proyectos de "
            "prevención del delito."
        ),
        "how_to_join_es": "Venga el primer lunes de cada mes; no hace falta reservar.",
    },
    "community-policing-unit": {
        "name_es": "Unidad de Policía Comunitaria",
        "description_es": (
            "Creada el 30 de julio de 2025 por el jefe de policía interino Norman Wood: agentes "
            "que trabajan con los vecinos en los problemas del vecindario, informan a la comunidad "
            "de los programas del departamento y piden su ayuda en proyectos de prevención del "
            "delito."
        ),
        "how_to_join_es": (
            "Venga a una reunión comunitaria informativa, comunique una inquietud o suscríbase a "
            "los anuncios de la unidad."
        ),
    },
    "neighbourhood-watch": {
        "name_es": "Vigilancia Vecinal",
        "description_es": (
            "Vecinos que se cuidan unos a otros, con la Unidad de Policía Comunitaria."
        ),
    },
}
EVENTS = {
    "community-awareness-meeting": {
        "title_es": "Reunión Comunitaria Informativa",
        "description_es": (
            "Agentes de la Unidad de Policía Comunitaria responden preguntas y recogen opiniones "
            "sobre asuntos o inquietudes de la comunidad. Abierta a todos los vecinos."
        ),
        "agenda_es": (
            "1. Bienvenida y presentaciones\n2. Novedades de la Unidad de Policía Comunitaria\n"
            "3. Foro abierto: problemas de su vecindario\n"
            "4. Programas y proyectos de prevención del delito"
        ),
    },
    "coffee-with-a-cop": {
        "title_es": "Café con un Policía",
        "description_es": (
            "El Departamento de Policía de Smyrna y agentes de la policía de Clayton se reúnen "
            "para una mañana informal: haga preguntas, traiga sus inquietudes o simplemente "
            "conozca a nuestros agentes, en un lugar seguro y cómodo."
        ),
    },
}
VENUES = {
    "Bridgeway Family Restaurant": "Entrada sin escalones y estacionamiento junto a la puerta.",
    "Smyrna Town Hall": (
        "Entrada sin escalones por Market Street. Intérprete de español a petición."
    ),
}
CATEGORIES = {
    "street-lighting": {
        "description_en": "Lights out or flickering: we pass it to Public Works.",
        "description_es": "Farolas apagadas o que parpadean: se lo pasamos a Obras Públicas.",
    },
    "speeding-traffic": {
        "description_en": "Speeding, running stop signs, dangerous driving near schools.",
        "description_es": (
            "Exceso de velocidad, no respetar las señales de alto, conducción peligrosa cerca "
            "de las escuelas."
        ),
    },
}
PROBLEMS = {
    "Graffiti in the park": {
        "title_es": "Grafitis en el parque",
        "summary_es": "Las pintadas vuelven una y otra vez a los baños del parque.",
    },
}
PROJECTS = {
    "Neighbourhood Watch evening walks": {
        "title_es": "Paseos vecinales al atardecer",
        "goal_es": (
            "Ojos en el parque y en Main Street por las tardes: menos pintadas en los baños del "
            "parque, menos robos y vecinos que se conocen. Los paseos salen del Ayuntamiento con "
            "un agente de la Unidad de Policía Comunitaria."
        ),
    },
}
# The announcements' Spanish is given when they are written (demo/outreach.py), as staff would.
ANNOUNCEMENTS = {
    "Smyrna's Community Policing Unit launches on 30 July": {
        "title_es": "La Unidad de Policía Comunitaria de Smyrna empieza el 30 de julio",
        "body_es": (
            "La Unidad de Policía Comunitaria de Smyrna empieza el **30 de julio de 2025**.\n\n"
            "Sus agentes trabajan con vecinos y comercios en los problemas que importan en cada "
            "vecindario: venga a la reunión comunitaria mensual en el Ayuntamiento, tome un café "
            "con nosotros en Café con un Policía o comunique una inquietud en línea.\n\n"
            "- El primer lunes de cada mes, 6 p. m., Ayuntamiento de Smyrna\n"
            "- Contacto: S/Pfc. Brandon Dunning, oficial de información pública"
        ),
    },
    "Coffee with a Cop: the second Wednesday of every month": {
        "title_es": "Café con un Policía: el segundo miércoles de cada mes",
        "body_es": (
            "Agentes de los departamentos de policía de Smyrna y Clayton se reúnen con los "
            "vecinos a tomar café en Bridgeway Family Restaurant el **segundo miércoles de cada "
            "mes, a las 8 a. m.**\n\n"
            "Haga preguntas, traiga sus inquietudes o simplemente conozca a nuestros agentes: no "
            "hace falta reservar."
        ),
    },
}


def load_spanish(smyrna):
    """Write the Spanish columns only (the English stays as loaded); a second run changes nothing."""
    for slug, texts in PROGRAMMES.items():
        Programme.objects.filter(agency=smyrna, slug=slug).update(**texts)
    for slug, texts in EVENTS.items():
        Event.objects.filter(agency=smyrna, slug=slug).update(**texts)
    for name, access in VENUES.items():
        Venue.objects.filter(agency=smyrna, name=name).update(accessibility_es=access)
    for slug, texts in CATEGORIES.items():
        Category.objects.filter(agency=smyrna, slug=slug).update(**texts)
    for title, texts in PROBLEMS.items():
        Problem.objects.filter(agency=smyrna, title_en=title).update(**texts)
    for title, texts in PROJECTS.items():
        Project.objects.filter(agency=smyrna, title_en=title).update(**texts)
