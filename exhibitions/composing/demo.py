"""Demo exhibitions: a national content framework and two exhibitions derived from it.

Runs as a step of `flask demo load` (app.py registers it), after the demo items exist: the
framework in Hà Nội, its adaptation for Cao Bằng (Tày and English beside Vietnamese) and
for Geneva (French first, then English, with French titles of its own for panels the archive has none for).
The wording follows the programme's own texts.
"""

from sqlalchemy import func, select

from archive.models import Item, ItemStatus
from core.auth import User
from exhibitions.composing.frameworks import derive_exhibition
from exhibitions.composing.layout import add_entry, add_section, remove_entry, update_entry
from exhibitions.composing.lifecycle import publish
from exhibitions.composing.settings import create_exhibition
from exhibitions.models import Exhibition

AUTHOR = "curator@vitrine.test"

FRAMEWORK = {
    "code": "QG25", "venue": "vn-ha-noi", "mode": "both", "opens_on": "2025-09-02", "closes_on": "2027-12-31",
    "primary_language": "vi", "languages": ["en", "fr"], "fallback_chain": ["vi"], "is_framework": True,
    "texts": {
        "vi": {"title": "Quyền con người ở Việt Nam qua tư liệu lưu trữ", "state": "reviewed",
               "introduction": "Triển lãm thuộc Đề án truyền thông về quyền con người ở Việt Nam giai đoạn "
                               "2023 - 2028 (Quyết định 1079/QĐ-TTg). Qua ảnh và tài liệu lưu trữ, triển lãm giới "
                               "thiệu các cam kết quốc tế của Việt Nam, nỗ lực và thành tựu bảo đảm quyền con người "
                               "trên các lĩnh vực, để không ai bị bỏ lại phía sau."},
        "en": {"title": "Human rights in Viet Nam through the archives", "state": "reviewed",
               "introduction": "Part of the Communication Project on Human Rights in Viet Nam, 2023–2028 (Decision "
                               "1079/QD-TTg). Archival photos and documents show Viet Nam's international commitments "
                               "and its efforts to ensure human rights in every field, so that no one is left behind."},
        "fr": {"title": "Les droits de l'homme au Viêt Nam à travers les archives", "state": "reviewed",
               "introduction": "Dans le cadre du projet de communication sur les droits de l'homme au Viêt Nam "
                               "2023-2028, des photos et documents d'archives présentent les engagements "
                               "internationaux du Viêt Nam et ses efforts pour garantir les droits de l'homme dans "
                               "tous les domaines, afin de ne laisser personne de côté."},
    },
}  # fmt: skip

# (section texts {lang: (title, body)}, entries [(reference code, reviewed captions {lang: text})])
SECTIONS = [
    ({"vi": ("Cam kết quốc tế về quyền con người",
             "Việt Nam là thành viên của 07 công ước quốc tế cơ bản về quyền con người và tham gia Cơ chế rà soát "
             "định kỳ phổ quát (UPR) của Hội đồng Nhân quyền Liên hợp quốc."),
      "en": ("International human rights commitments",
             "Viet Nam is party to seven core international human rights conventions and takes part in the "
             "Universal Periodic Review of the UN Human Rights Council."),
      "fr": ("Les engagements internationaux",
             "Le Viêt Nam est partie à sept conventions internationales fondamentales relatives aux droits de "
             "l'homme et participe à l'Examen périodique universel du Conseil des droits de l'homme.")},
     [("VTR-PH-1945-001", {
         "vi": "Ngày 2/9/1945, tại Quảng trường Ba Đình, Chủ tịch Hồ Chí Minh đọc Tuyên ngôn Độc lập, khẳng định "
               "quyền bình đẳng, quyền sống, quyền tự do và quyền mưu cầu hạnh phúc.",
         "en": "2 September 1945, Ba Dinh Square: President Ho Chi Minh reads the Declaration of Independence, which "
               "affirms the rights to equality, life, liberty and the pursuit of happiness.",
         "fr": "2 septembre 1945, place Ba Đình : le président Hô Chi Minh lit la Déclaration d'indépendance, qui "
               "affirme le droit à l'égalité, à la vie, à la liberté et à la recherche du bonheur."}),
      ("VTR-PH-2014-016", {
          "vi": "Tại trụ sở Liên hợp quốc ở New York: Công ước chống tra tấn, một trong 07 công ước cơ bản về quyền "
                "con người mà Việt Nam là thành viên.",
          "fr": "Au siège des Nations unies à New York : la Convention contre la torture, l'une des sept conventions "
                "fondamentales auxquelles le Viêt Nam est partie."}),
      ("VTR-PH-2019-021", {
          "vi": "Tháng 1/2019, tại Giơ-ne-vơ, Việt Nam trình bày Báo cáo quốc gia theo Cơ chế rà soát định kỳ phổ "
                "quát chu kỳ III.",
          "en": "January 2019, Geneva: Viet Nam presents its national report to the third cycle of the Universal "
                "Periodic Review."})]),
    ({"vi": ("Xóa đói giảm nghèo, không để ai bị bỏ lại phía sau",
             "Xóa đói, giảm nghèo, chăm lo đời sống của người dân, nhất là các đối tượng yếu thế, dễ bị tổn thương, "
             "là một thành tựu nổi bật trong bảo đảm quyền con người ở Việt Nam."),
      "en": ("Reducing poverty, leaving no one behind",
             "Reducing poverty and caring for people's lives, above all for the vulnerable, is one of the outstanding "
             "achievements in ensuring human rights in Viet Nam."),
      "fr": ("Réduire la pauvreté, ne laisser personne de côté",
             "La réduction de la pauvreté et l'attention portée aux plus vulnérables comptent parmi les réalisations "
             "marquantes du Viêt Nam en matière de droits de l'homme.")},
     [("VTR-PH-1993-006", {
         "vi": "Giáo viên cắm bản dạy chữ cho trẻ em người Tày, Nùng ở Cao Bằng: quyền được học tập đến với vùng cao.",
         "en": "A teacher living in the village teaches Tày and Nùng children in Cao Bang: the right to education "
               "reaches the highlands."}),
      ("VTR-PH-1998-007", {
          "vi": "Điện lưới quốc gia về đến các bản người H'Mông ở Lào Cai, mở ra điều kiện học tập, sản xuất và "
                "tiếp cận thông tin.",
          "fr": "Le réseau électrique national atteint les villages hmong de Lào Cai : l'école, le travail et l'accès "
                "à l'information en sont transformés."}),
      ("VTR-PH-2018-020", {
          "vi": "Bàn giao nhà đại đoàn kết cho hộ nghèo ở Bắc Kạn: chính quyền và cộng đồng cùng chăm lo nơi ở cho "
                "người dân.",
          "en": "Solidarity houses handed over to poor families in Bac Kan: authorities and neighbours together "
                "provide a home."})]),
    ({"vi": ("Bình đẳng, đa dạng và bảo vệ người dễ bị tổn thương",
             "Quyền của các cộng đồng dân tộc, tôn giáo, của phụ nữ và trẻ em được bảo đảm bằng pháp luật và chính "
             "sách: văn hóa truyền thống được gìn giữ, trẻ em được bảo vệ, người dân được cảnh giác trước nạn mua "
             "bán người."),
      "en": ("Equality, diversity and protection of the vulnerable",
             "The rights of ethnic and religious communities, of women and of children are guaranteed by law and "
             "policy: traditional culture is preserved, children are protected, people are warned against "
             "trafficking."),
      "fr": ("Égalité, diversité et protection des plus vulnérables",
             "Les droits des communautés ethniques et religieuses, des femmes et des enfants sont garantis par la loi "
             "et les politiques publiques : la culture est préservée, les enfants protégés, la population mise en "
             "garde contre la traite.")},
     [("VTR-PH-2010-013", {
         "vi": "Lễ hội cồng chiêng của người Jrai, Bahnar ở Gia Lai: quyền được hưởng thụ và gìn giữ văn hóa của các "
               "dân tộc thiểu số.",
         "en": "The gong festival of the Jrai and Bahnar in Gia Lai: ethnic minorities' right to enjoy and preserve "
               "their culture.",
         "fr": "La fête des gongs des Jrai et des Bahnar à Gia Lai : le droit des minorités ethniques à vivre et à "
               "préserver leur culture."}),
      ("VTR-PU-2000-008", {
          "vi": "Sách hỏi đáp giúp học sinh hiểu Công ước về Quyền trẻ em, mà Việt Nam phê chuẩn năm 1990, là nước "
                "đầu tiên ở châu Á.",
          "en": "A question-and-answer book on the Convention on the Rights of the Child, which Viet Nam ratified in "
                "1990, the first country in Asia to do so."}),
      ("VTR-PO-2016-018", {
          "vi": "Tranh cổ động kêu gọi cảnh giác trước các thủ đoạn mua bán người.",
          "fr": "Affiche appelant à la vigilance face aux méthodes des trafiquants d'êtres humains."})]),
]  # fmt: skip

CAO_BANG = {
    "code": "CB25", "venue": "vn-cao-bang", "mode": "both", "opens_on": "2025-12-10", "closes_on": "2027-06-30",
    "primary_language": "vi", "languages": ["tyz", "en"], "fallback_chain": ["vi"],
    "texts": {
        "vi": {"title": "Quyền con người ở Việt Nam qua tư liệu lưu trữ: Cao Bằng", "state": "reviewed",
               "introduction": "Triển lãm thực hiện Kế hoạch triển khai Đề án truyền thông về quyền con người trên "
                               "địa bàn tỉnh Cao Bằng giai đoạn 2023 - 2028, hướng tới các tầng lớp nhân dân, người "
                               "có uy tín trong các cộng đồng dân tộc thiểu số, thanh niên và học sinh."},
        "en": {"title": "Human rights in Viet Nam through the archives: Cao Bang", "state": "reviewed",
               "introduction": "The exhibition carries out Cao Bang's plan for the Communication Project on Human "
                               "Rights, 2023–2028, for all its people, ethnic minority community leaders, the young "
                               "and pupils."},
    },
}  # fmt: skip
# The province leaves out the Geneva photo and shows its own plan among the achievements.
CAO_BANG_DROPS = "VTR-PH-2019-021"
CAO_BANG_ADDS = ("VTR-TL-2023-005", 1, {"vi": {"text": "Kế hoạch của Ủy ban nhân dân tỉnh Cao Bằng triển khai Đề án "
                                               "truyền thông về quyền con người giai đoạn 2023 - 2028.",
                                               "state": "reviewed"}})  # fmt: skip
# Tày captions from the archive's own Tày titles, left as drafts for a native speaker to review.
CAO_BANG_CAPTIONS = {
    "VTR-PH-1993-006": {"tyz": {"text": "Hỏng slư tẳng bản tại Cao Bằng", "state": "draft"}},
    "VTR-PH-2018-020": {"tyz": {"text": "Rườn đại đoàn kết hử cần chỏn Bắc Kạn", "state": "draft"}},
}

GENEVA = {
    "code": "GE27", "venue": "geneva", "mode": "both", "opens_on": "2027-03-01", "closes_on": "2027-04-09",
    "primary_language": "fr", "languages": ["en"], "fallback_chain": ["fr", "en", "vi"],
    "texts": {
        "fr": {"title": "Viêt Nam : les droits de l'homme à travers les archives", "state": "reviewed",
               "introduction": "Présentée à Genève pendant la session de printemps du Conseil des droits de "
                               "l'homme, l'exposition montre par des photos et des documents d'archives les "
                               "engagements internationaux du Viêt Nam, la réduction de la pauvreté et la "
                               "protection des plus vulnérables."},
        "en": {"title": "Viet Nam: human rights through the archives", "state": "reviewed",
               "introduction": "Shown in Geneva during the spring session of the Human Rights Council."},
        "vi": FRAMEWORK["texts"]["vi"],
    },
}  # fmt: skip
GENEVA_CAPTIONS = {
    "VTR-PH-2019-021": "Janvier 2019, Genève : le Viêt Nam présente son rapport national au troisième cycle de "
                       "l'Examen périodique universel.",
    "VTR-PH-1993-006": "Un instituteur installé au village enseigne aux enfants tày et nùng de Cao Bằng : le droit "
                       "à l'éducation gagne les hautes terres.",
    "VTR-PH-2018-020": "Remise de « maisons de la solidarité » à des familles pauvres de Bắc Kạn : autorités et "
                       "voisins s'unissent pour offrir un toit.",
    "VTR-PU-2000-008": "Un livre de questions-réponses sur la Convention relative aux droits de l'enfant, que le "
                       "Viêt Nam a ratifiée en 1990, premier pays d'Asie à le faire.",
}  # fmt: skip
# Items the archive has no French title for yet: Geneva titles two panels itself, for this exhibition only; the
# third (VTR-PH-1998-007) still shows its English title, marked, until someone translates it.
GENEVA_TITLES = {
    "VTR-PH-1993-006": "Une classe au village, à Cao Bằng",
    "VTR-PH-2018-020": "Des maisons de la solidarité pour les familles pauvres de Bắc Kạn",
}


def load_demo_exhibitions(session) -> str:
    """Create and publish the demo framework and its two adaptations, unless exhibitions exist."""
    if session.scalar(select(func.count(Exhibition.id))):
        return ""
    curator = session.scalar(select(User).where(User.email == AUTHOR))
    if curator is None:  # not the demo archive: leave a real database alone
        return ""
    items = _published_items(session)
    framework = _framework(session, curator, items)
    cao_bang = _cao_bang(session, curator, framework, items)
    geneva = _geneva(session, curator, framework)
    return f"created 3 demo exhibitions: {framework.code} (framework), {cao_bang.code}, {geneva.code}"


def _published_items(session) -> dict[str, Item]:
    """The demo items the exhibitions use, by reference code; unpublished ones cannot be shown."""
    codes = [code for _texts, entries in SECTIONS for code, _captions in entries] + [CAO_BANG_ADDS[0]]
    query = select(Item).where(Item.reference_code.in_(codes), Item.status == ItemStatus.PUBLISHED)
    return {item.reference_code: item for item in session.scalars(query)}


def _reviewed(captions: dict) -> dict:
    return {lang: {"text": text, "state": "reviewed"} for lang, text in captions.items()}


def _framework(session, curator: User, items: dict) -> Exhibition:
    framework = create_exhibition(session, curator, FRAMEWORK)
    for texts, entries in SECTIONS:
        reviewed = {lang: {"title": title, "body": body, "state": "reviewed"} for lang, (title, body) in texts.items()}
        section = add_section(session, curator, framework, reviewed)
        for code, captions in entries:
            if code in items:
                add_entry(session, curator, section, items[code].id, captions=_reviewed(captions))
    return publish(session, curator, framework)


def _entry(exhibition: Exhibition, reference_code: str):
    return next((e for e in exhibition.entries if e.item.reference_code == reference_code), None)


def _cao_bang(session, curator: User, framework: Exhibition, items: dict) -> Exhibition:
    exhibition = derive_exhibition(session, curator, framework, CAO_BANG)
    if dropped := _entry(exhibition, CAO_BANG_DROPS):
        remove_entry(session, curator, dropped)
    code, section_index, captions = CAO_BANG_ADDS
    if code in items:
        add_entry(session, curator, exhibition.sections[section_index], items[code].id, captions=captions)
    for code, captions in CAO_BANG_CAPTIONS.items():
        if entry := _entry(exhibition, code):
            update_entry(session, curator, entry, {"captions": captions})
    return publish(session, curator, exhibition)


def _geneva(session, curator: User, framework: Exhibition) -> Exhibition:
    exhibition = derive_exhibition(session, curator, framework, GENEVA)
    for code, caption in GENEVA_CAPTIONS.items():
        if entry := _entry(exhibition, code):
            update_entry(session, curator, entry, {"captions": _reviewed({"fr": caption})})
    for code, title in GENEVA_TITLES.items():
        if entry := _entry(exhibition, code):
            update_entry(session, curator, entry, {"titles": _reviewed({"fr": title})})
    return publish(session, curator, exhibition)
