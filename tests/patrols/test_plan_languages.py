"""A bad patrol plan is said in the reader's language (issue 19): the feature's importer in the
site's, a plan's or schedule's refusal in whichever language it is asked for."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import col

from bot.features import registry
from handlers.core.i18n import Translator
from handlers.core.uploads import read_table
from handlers.patrols.plans import PlanError, spec_of
from handlers.patrols.schedule import ScheduleError, every
from storage.models import Site
from storage.repos import sites
from tests.support import DeskHarness

BAD = """plan,checkpoint,proof,lat,lon,every,role
消防巡查,地下车库,tap,,,2h,staff
消防巡查,天台,location,,,,
巡楼,C座,scan,,,1h,
"""
SAID = {
    "zh-Hans": [
        (3, "巡查点「天台」：定位打卡（location）须填 lat 和 lon"),
        (4, "巡查点「C座」：proof 须为 tap, photo, location 之一"),
    ],
    "en": [
        (3, "checkpoint 天台: a location proof needs lat and lon"),
        (4, "checkpoint C座: proof must be one of tap, photo, location"),
    ],
}


@pytest.mark.parametrize("language", ["zh-Hans", "en"])
async def test_the_importer_says_bad_rows_in_the_sites_language(harness: DeskHarness, language: str) -> None:
    await harness.setup_site()
    async with harness.desk.db.session() as session:
        await session.exec(update(Site).values(language=language).where(col(Site.code) == "HG"))  # type: ignore[call-overload]
    async with harness.desk.db.session() as session:
        site = await sites.by_code(session, code="HG")
        assert site is not None
        problems = await registry().imports["patrols"](session, site, read_table(BAD.encode(), "p.csv"))
    assert problems == SAID[language]


def test_refusals_carry_a_key_and_are_said_in_the_readers_language() -> None:
    with pytest.raises(ScheduleError) as bad_schedule:
        every("3x")
    assert bad_schedule.value.text(Translator("zh-Hans")) == "「3x」不是时长，应写成 2h 或 90m 这样"
    assert bad_schedule.value.text(Translator("zh-Hant")) == "「3x」不是時長，應寫成 2h 或 90m 這樣"
    assert str(bad_schedule.value) == "not a duration such as 2h or 90m: '3x'"
    with pytest.raises(PlanError) as bad_grace:
        spec_of(0, {"name": "夜巡", "every": "2h", "grace": "0"}, ["A座"])
    assert bad_grace.value.said.key == "patrol.bad.grace"
    assert bad_grace.value.text(Translator("zh-Hans")) == "grace 须为 1 到 1440 之间的整数分钟"
    assert bad_grace.value.text(Translator("en")) == "grace must be whole minutes between 1 and 1440"
