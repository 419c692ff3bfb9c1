"""Offline gazetteer: the district (区/县) of a Chinese address and its centre point.

Uses the adcode table shipped with the ``cpca`` package, so it needs no network. It is a
fallback: the point is the district centre, good enough to rank technicians until a precise
point is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class GazetteerHit:
    lat: float
    lon: float
    place: str
    adcode: str


@lru_cache(maxsize=4096)
def lookup(address: str) -> GazetteerHit | None:
    """The centre of the most precise area (district, else city, else province) in ``address``."""
    if not address or not address.strip():
        return None
    import cpca  # heavy import (pandas): only when first needed

    frame = cpca.transform([address.strip()])
    adcode = frame.loc[0, "adcode"]
    if not isinstance(adcode, str) or not adcode:
        return None
    info = cpca.ad_2_addr_dict.get(adcode.ljust(12, "0"))
    if info is None or not info.latitude:
        return None
    place = "".join(str(frame.loc[0, key]) for key in ("省", "市", "区")
                    if isinstance(frame.loc[0, key], str) and frame.loc[0, key] != "市辖区")
    return GazetteerHit(float(info.latitude), float(info.longitude), place, adcode)
