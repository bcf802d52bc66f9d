"""The open data dictionary on a phone: axe-clean in English and Spanish."""

import pytest

from tests import factories
from tests.e2e.test_accessibility import Audit

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["en", "es"])
def test_data_dictionary_passes_axe(site, resident, language):
    factories.town()
    person = resident(locale=language)
    audit = Audit(person, language)
    person.page.goto(site.url + "/data/")
    audit.check("data dictionary")
    assert not audit.problems, audit.report()
