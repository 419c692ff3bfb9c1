"""No page renders an HTML attribute escaped into text (``inputmode=&#34;numeric&#34;``)."""

from __future__ import annotations

import re

from tests.support.walk import walk

ESCAPED_ATTRIBUTE = re.compile(r"""\s[\w:-]+=(&#34;|&#39;|&quot;)""")


def test_no_page_renders_escaped_attributes(app, make_user, walk_ids):
    seen, bad = set(), []
    for page in walk(app, make_user, walk_ids, users=walk_ids["_users"]):
        seen.add(page.url)
        bad += [(page.role, page.url, match.group(0))
                for match in ESCAPED_ATTRIBUTE.finditer(page.html)]
    assert not bad, bad
    assert len(seen) > 30  # the walk reached the pages, including the forms below
    order = f"/workorders/{walk_ids['order_id']}"
    assert {"/terminals/new", "/sims/new", "/inventory/receive", order} <= seen


def test_form_fields_carry_their_keypad_and_minimum(app, login, make_user):
    client = login(make_user("warehouse"))
    assert 'inputmode="numeric"' in client.get("/terminals/new").get_data(as_text=True)
    assert 'min="1"' in client.get("/inventory/receive").get_data(as_text=True)
