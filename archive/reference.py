"""The programme's reference data: vocabularies, provinces before and after 2025, venues, bodies.

Loaded by `flask --app app refdata load`, which is idempotent: it adds what is missing and
updates the labels as shipped, so it runs safely on every deploy. A label an admin wrote or
checked on the administration pages (its translation state is no longer "shipped") is kept.
"""

import csv
import unicodedata
from datetime import date
from pathlib import Path

from sqlalchemy import select

from archive.models import Body, BodyKind, LabelState, Place, PlaceKind, Scheme, Term

PROVINCES_CSV = Path(__file__).parent / "data" / "provinces-2025.csv"
REORGANISATION_DAY = date(2025, 7, 1)
HUE_CITY_DAY = date(2025, 1, 1)  # Thừa Thiên Huế became the city of Huế

SCHEMES = {
    "conventions": {"vi": "Công ước quốc tế về quyền con người", "en": "UN human rights conventions", "fr": "Conventions des Nations unies relatives aux droits de l'homme"},
    "themes": {"vi": "Chủ đề", "en": "Themes", "fr": "Thèmes"},
    "content-lines": {"vi": "Nội dung truyền thông", "en": "Content lines", "fr": "Axes de contenu"},
}  # fmt: skip

TERMS = {
    "conventions": [
        ("ICCPR", {"vi": "Công ước về các quyền dân sự và chính trị", "en": "International Covenant on Civil and Political Rights", "fr": "Pacte international relatif aux droits civils et politiques"}),
        ("ICESCR", {"vi": "Công ước về các quyền kinh tế, xã hội và văn hóa", "en": "International Covenant on Economic, Social and Cultural Rights", "fr": "Pacte international relatif aux droits économiques, sociaux et culturels"}),
        ("CEDAW", {"vi": "Công ước về xóa bỏ mọi hình thức phân biệt đối xử với phụ nữ", "en": "Convention on the Elimination of All Forms of Discrimination against Women", "fr": "Convention sur l'élimination de toutes les formes de discrimination à l'égard des femmes"}),
        ("CERD", {"vi": "Công ước về xóa bỏ mọi hình thức phân biệt chủng tộc", "en": "International Convention on the Elimination of All Forms of Racial Discrimination", "fr": "Convention internationale sur l'élimination de toutes les formes de discrimination raciale"}),
        ("CRC", {"vi": "Công ước về quyền trẻ em", "en": "Convention on the Rights of the Child", "fr": "Convention relative aux droits de l'enfant"}),
        ("CRPD", {"vi": "Công ước về quyền của người khuyết tật", "en": "Convention on the Rights of Persons with Disabilities", "fr": "Convention relative aux droits des personnes handicapées"}),
        ("CAT", {"vi": "Công ước chống tra tấn và các hình thức đối xử hoặc trừng phạt tàn bạo, vô nhân đạo hoặc hạ nhục con người", "en": "Convention against Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment", "fr": "Convention contre la torture et autres peines ou traitements cruels, inhumains ou dégradants"}),
    ],
    "themes": [
        ("poverty-reduction", {"vi": "Giảm nghèo", "en": "Poverty reduction", "fr": "Réduction de la pauvreté"}),
        ("belief-religion", {"vi": "Tự do tín ngưỡng, tôn giáo", "en": "Freedom of belief and religion", "fr": "Liberté de croyance et de religion"}),
        ("ethnic-minorities", {"vi": "Dân tộc thiểu số", "en": "Ethnic minorities", "fr": "Minorités ethniques"}),
        ("anti-trafficking", {"vi": "Phòng, chống mua bán người", "en": "Anti-trafficking", "fr": "Lutte contre la traite des êtres humains"}),
        ("labour-rights-trade", {"vi": "Quyền lao động trong các hiệp định thương mại", "en": "Labour rights in trade agreements", "fr": "Droits du travail dans les accords commerciaux"}),
        ("freedom-expression", {"vi": "Tự do ngôn luận", "en": "Freedom of expression", "fr": "Liberté d'expression"}),
        ("children-online", {"vi": "Bảo vệ trẻ em trên môi trường mạng", "en": "Children online", "fr": "Protection des enfants en ligne"}),
        ("upr", {"vi": "Cơ chế Rà soát định kỳ phổ quát (UPR) của Liên hợp quốc", "en": "UN Universal Periodic Review", "fr": "Examen périodique universel des Nations unies"}),
    ],
    "content-lines": [
        ("education", {"vi": "Phổ biến, giáo dục kiến thức về quyền con người", "en": "Human rights education and awareness", "fr": "Diffusion et éducation aux droits de l'homme"}),
        ("achievements", {"vi": "Nỗ lực và thành tựu bảo đảm quyền con người", "en": "Efforts and achievements in ensuring human rights", "fr": "Efforts et réalisations en matière de droits de l'homme"}),
        ("countering-misinformation", {"vi": "Phản bác thông tin sai lệch, xuyên tạc", "en": "Countering false and distorted information", "fr": "Réfutation des informations fausses et déformées"}),
        ("history", {"vi": "Tư tưởng quyền con người của Việt Nam trong lịch sử", "en": "Human rights thought in Vietnam's history", "fr": "La pensée des droits de l'homme dans l'histoire du Viêt Nam"}),
    ],
}  # fmt: skip

# Names in English and French where they differ from the Vietnamese written without marks.
PLACE_NAMES = {
    "Hà Nội": {"en": "Hanoi", "fr": "Hanoï"},
    "Hồ Chí Minh": {"en": "Ho Chi Minh City", "fr": "Hô-Chi-Minh-Ville"},
    "Huế": {"en": "Hue", "fr": "Hué"},
    "Thừa Thiên Huế": {"en": "Thua Thien Hue", "fr": "Thừa Thiên-Huế"},
    "Hải Phòng": {"en": "Haiphong", "fr": "Haïphong"},
    "Đà Nẵng": {"en": "Da Nang", "fr": "Đà Nẵng"},
    "Cần Thơ": {"en": "Can Tho", "fr": "Cần Thơ"},
}

VENUES_ABROAD = [
    ("new-york", "US", {"vi": "New York", "en": "New York", "fr": "New York"}),
    ("geneva", "CH", {"vi": "Giơ-ne-vơ", "en": "Geneva", "fr": "Genève"}),
    ("bangkok", "TH", {"vi": "Băng Cốc", "en": "Bangkok", "fr": "Bangkok"}),
    ("paris", "FR", {"vi": "Pa-ri", "en": "Paris", "fr": "Paris"}),
    ("vientiane", "LA", {"vi": "Viêng Chăn", "en": "Vientiane", "fr": "Vientiane"}),
    ("phnom-penh", "KH", {"vi": "Phnôm Pênh", "en": "Phnom Penh", "fr": "Phnom Penh"}),
]

BODIES = [
    ("btttt", BodyKind.MINISTRY, {"vi": "Bộ Thông tin và Truyền thông", "en": "Ministry of Information and Communications", "fr": "Ministère de l'Information et des Communications"}),
    ("bnv", BodyKind.MINISTRY, {"vi": "Bộ Nội vụ", "en": "Ministry of Home Affairs", "fr": "Ministère de l'Intérieur"}),
    ("btp", BodyKind.MINISTRY, {"vi": "Bộ Tư pháp", "en": "Ministry of Justice", "fr": "Ministère de la Justice"}),
    ("bldtbxh", BodyKind.MINISTRY, {"vi": "Bộ Lao động - Thương binh và Xã hội", "en": "Ministry of Labour, Invalids and Social Affairs", "fr": "Ministère du Travail, des Invalides et des Affaires sociales"}),
    ("bngg", BodyKind.MINISTRY, {"vi": "Bộ Ngoại giao", "en": "Ministry of Foreign Affairs", "fr": "Ministère des Affaires étrangères"}),
    ("ubdt", BodyKind.MINISTRY, {"vi": "Ủy ban Dân tộc", "en": "Committee for Ethnic Minority Affairs", "fr": "Comité des affaires ethniques"}),
    ("cuc-vtlt", BodyKind.OTHER, {"vi": "Cục Văn thư và Lưu trữ nhà nước", "en": "State Records and Archives Management Department", "fr": "Département d'État des archives"}),
    ("ttxvn", BodyKind.PRESS, {"vi": "Thông tấn xã Việt Nam", "en": "Vietnam News Agency", "fr": "Agence vietnamienne d'information"}),
    ("vov", BodyKind.PRESS, {"vi": "Đài Tiếng nói Việt Nam", "en": "Voice of Vietnam", "fr": "La Voix du Viêt Nam"}),
    ("ubnd-cao-bang", BodyKind.PROVINCE, {"vi": "Ủy ban nhân dân tỉnh Cao Bằng", "en": "Cao Bang Provincial People's Committee", "fr": "Comité populaire de la province de Cao Bằng"}),
    ("ubnd-gia-lai", BodyKind.PROVINCE, {"vi": "Ủy ban nhân dân tỉnh Gia Lai", "en": "Gia Lai Provincial People's Committee", "fr": "Comité populaire de la province de Gia Lai"}),
]  # fmt: skip


def fold(text: str) -> str:
    """Vietnamese without its marks: `Đắk Lắk` → `Dak Lak`."""
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def slug(text: str) -> str:
    """A code made of a name: `Bà Rịa - Vũng Tàu` → `ba-ria-vung-tau`."""
    words = "".join(c if c.isalnum() else " " for c in fold(text).lower()).split()
    return "-".join(words)


def place_code(name: str) -> str:
    """The stable code of a Vietnamese province or city."""
    return "vn-" + slug(name)


def load_reference_data(session) -> dict[str, int]:
    """Create or update every reference record; returns how many of each kind exist."""
    counts = {"terms": _load_vocabulary(session), "places": _load_provinces(session)}
    counts["places"] += _load_venues(session)
    counts["bodies"] = _load_bodies(session)
    session.flush()
    return counts


def _upsert(session, model, code: str, **values):
    row = session.scalar(select(model).where(model.code == code))
    if row is None:
        row = model(code=code)
        session.add(row)
    for key, value in values.items():
        if key in ("labels", "names"):
            _merge_shipped(row, key, value)
        else:
            setattr(row, key, value)
    return row


def _merge_shipped(row, attribute: str, shipped: dict) -> None:
    """Take the shipped labels, except those an admin wrote or checked since (archive.reference_editing)."""
    labels, states = dict(getattr(row, attribute) or {}), dict(row.translation_states or {})
    for lang, label in shipped.items():
        if states.get(lang, LabelState.SHIPPED) == LabelState.SHIPPED or not labels.get(lang):
            labels[lang], states[lang] = label, str(LabelState.SHIPPED)
    if labels != getattr(row, attribute):
        setattr(row, attribute, labels)
    if states != row.translation_states:
        row.translation_states = states


def _load_vocabulary(session) -> int:
    count = 0
    for position, (scheme_code, labels) in enumerate(SCHEMES.items()):
        scheme = _upsert(session, Scheme, scheme_code, labels=labels, position=position)
        session.flush()
        for term_position, (code, term_labels) in enumerate(TERMS[scheme_code]):
            _upsert(session, Term, code, scheme_id=scheme.id, labels=term_labels, position=term_position)
            count += 1
    return count


def _names(vi: str) -> dict:
    plain = fold(vi)
    return {"vi": vi, "en": plain, "fr": plain} | PLACE_NAMES.get(vi, {})


def _kind(kind_text: str) -> PlaceKind:
    return PlaceKind.CITY if kind_text.startswith("thành phố") else PlaceKind.PROVINCE


def _load_provinces(session) -> int:
    with PROVINCES_CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    successors = {}
    for row in rows:
        name = row["unit_from_2025_07_01"]
        if name not in successors:
            valid_from = HUE_CITY_DAY if name == "Huế" else None
            successors[name] = _upsert(
                session, Place, place_code(name), kind=_kind(row["kind_from"]), country="VN",
                names=_names(name), valid_from=valid_from, valid_to=None, successor_id=None,
            )  # fmt: skip
    session.flush()
    for row in rows:
        old, new = row["unit_until_2025_06_30"], row["unit_from_2025_07_01"]
        if old == new:
            continue
        # Thừa Thiên Huế was renamed earlier than the 2025 mergers.
        valid_to = date(2024, 12, 31) if new == "Huế" else date(2025, 6, 30)
        _upsert(
            session, Place, place_code(old), kind=_kind(row["kind_until"]), country="VN",
            names=_names(old), valid_from=None, valid_to=valid_to, successor_id=successors[new].id,
        )  # fmt: skip
    return len(rows) + 1  # Huế and Thừa Thiên Huế are two records for one unit


def _load_venues(session) -> int:
    for code, country, names in VENUES_ABROAD:
        _upsert(session, Place, code, kind=PlaceKind.ABROAD, country=country, names=names)
    return len(VENUES_ABROAD)


def _load_bodies(session) -> int:
    for code, kind, names in BODIES:
        _upsert(session, Body, code, kind=kind, names=names)
    return len(BODIES)
