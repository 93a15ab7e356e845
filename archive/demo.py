"""A small, realistic demo archive: documents of the programme and photos from the provinces."""

import re
from pathlib import Path

from sqlalchemy import func, select

from archive.imaging import image_size, render_demo_photo
from archive.models import Item, MediaFile
from archive.services import create_item
from archive.workflow import apply_transition
from core.auth import Role, User, create_user
from core.storage import Storage

CORPUS = Path(__file__).parent / "data" / "corpus"
DEMO_PASSWORD = "vitrine-demo-2026"
DEMO_USERS = [("admin@vitrine.test", Role.ADMIN), ("archivist@vitrine.test", Role.ARCHIVIST),
              ("curator@vitrine.test", Role.CURATOR)]  # fmt: skip
# Rights as short names (archive.rights.canonical) with the notes archivists keep beside them.
OFFICIAL_TEXTS = {"rights": "PDM", "rights_note": "Văn bản quy phạm pháp luật và văn bản hành chính không thuộc "
                  "đối tượng bảo hộ quyền tác giả (Luật Sở hữu trí tuệ, Điều 15)."}  # fmt: skip
ARCHIVE_PHOTOS = {
    "rights": "InC-NC",
    "rights_note": "© Cục Văn thư và Lưu trữ nhà nước. Sử dụng cho mục đích phi thương mại, ghi rõ nguồn.",
}
MISSION_PHOTOS = {"rights": "CC BY 4.0", "rights_note": None}  # the missions abroad publish theirs openly
POSTERS = {"rights": "InC-EDU", "rights_note": "© Cục Văn thư và Lưu trữ nhà nước. Dùng trong giảng dạy, ghi rõ nguồn."}
# A gift whose terms nobody has checked yet: on the archivists' list of rights to review.
UNCHECKED = {"rights": "CNE", "rights_note": "Ảnh do gia đình một cán bộ hưu trí tặng; chưa rõ thỏa thuận sử dụng.",
             "rights_flagged": True}  # fmt: skip
UNCHECKED_PHOTO = 7

DOCUMENTS = [
    ("qd-1079-ttg-2022-de-an.txt", "VTR-TL-2022-001", "2022-09-14", "vn-ha-noi", "btttt", ["ICCPR", "ICESCR", "upr", "education"],
     "Quyết định 1079/QĐ-TTg phê duyệt Đề án truyền thông về quyền con người ở Việt Nam",
     "Decision 1079/QD-TTg approving the Communication Project on Human Rights in Viet Nam",
     "Décision 1079/QD-TTg approuvant le projet de communication sur les droits de l'homme au Viêt Nam"),
    ("btttt-huong-dan-1079.txt", "VTR-TL-2022-002", "2022-11-28", "vn-ha-noi", "btttt", ["education", "achievements"],
     "Hướng dẫn của Bộ Thông tin và Truyền thông về triển khai Quyết định 1079/QĐ-TTg",
     "Guidance of the Ministry of Information and Communications on implementing Decision 1079", None),
    ("qd-09-bnv-2023-ke-hoach-bo-noi-vu.txt", "VTR-TL-2023-003", "2023-01-11", "vn-ha-noi", "bnv", ["belief-religion", "ICCPR"],
     "Quyết định 09/QĐ-BNV ban hành Kế hoạch của Bộ Nội vụ thực hiện Đề án",
     "Decision 09/QD-BNV: the Ministry of Home Affairs' plan for the Project",
     "Décision 09/QD-BNV : plan du ministère de l'Intérieur pour le projet"),
    ("gia-lai-kh-155-2023.txt", "VTR-TL-2023-004", "2023-01-18", "vn-gia-lai", "ubnd-gia-lai", ["ethnic-minorities", "CERD"],
     "Kế hoạch 155/KH-UBND triển khai Đề án trên địa bàn tỉnh Gia Lai",
     "Plan 155/KH-UBND implementing the Project in Gia Lai province", None),
    ("kh-cao-bang-2023.txt", "VTR-TL-2023-005", "2023", "vn-cao-bang", "ubnd-cao-bang", ["ethnic-minorities", "poverty-reduction"],
     "Kế hoạch triển khai Đề án truyền thông về quyền con người trên địa bàn tỉnh Cao Bằng giai đoạn 2023 - 2028",
     "Cao Bang province plan for the Communication Project on Human Rights, 2023-2028", None),
]  # fmt: skip

# (type, date, place, body, terms, vi title, vi description, en title, fr title or None, Tày title or None)
PHOTOS = [
    ("photo", "1945-09-02", "vn-ha-noi", "ttxvn", ["ICCPR", "history"], "Lễ đọc Tuyên ngôn Độc lập tại Quảng trường Ba Đình", "Quần chúng nhân dân dự lễ đọc Tuyên ngôn Độc lập.", "Reading of the Declaration of Independence at Ba Dinh Square", "Lecture de la Déclaration d'indépendance, place Ba Đình", None),
    ("document", "1946-11-09", "vn-ha-noi", "cuc-vtlt", ["ICCPR", "history"], "Hiến pháp năm 1946, bản gốc", "Bản Hiến pháp đầu tiên của nước Việt Nam Dân chủ Cộng hòa.", "The 1946 Constitution, original copy", "La Constitution de 1946, exemplaire original", None),
    ("photo", "c. 1954", "vn-dien-bien", "ttxvn", ["history"], "Nhân dân Điện Biên xây dựng lại bản làng", "Đồng bào các dân tộc tái thiết sau chiến tranh.", "People of Dien Bien rebuilding their villages", None, None),
    ("poster", "1960s", "vn-ha-noi", "cuc-vtlt", ["education", "history"], "Tranh cổ động xóa nạn mù chữ", "Tranh cổ động phong trào bình dân học vụ.", "Propaganda poster for the literacy campaign", "Affiche de propagande pour l'alphabétisation", None),
    ("photo", "1986/1990", "vn-ho-chi-minh", "ttxvn", ["ICESCR", "achievements"], "Chợ Bến Thành những năm đầu Đổi mới", "Hoạt động buôn bán sôi động thời kỳ đầu Đổi mới.", "Ben Thanh market in the early years of Doi Moi", "Le marché Bến Thành aux débuts du Đổi mới", None),
    ("photo", "1993", "vn-cao-bang", "ubnd-cao-bang", ["poverty-reduction", "ethnic-minorities"], "Lớp học cắm bản ở Cao Bằng", "Giáo viên dạy chữ cho trẻ em người Tày, Nùng.", "A village class in Cao Bang", None, "Hỏng slư tẳng bản tại Cao Bằng"),
    ("photo", "1998-06", "vn-lao-cai", "ttxvn", ["poverty-reduction", "ethnic-minorities"], "Đường điện về bản vùng cao Lào Cai", "Điện lưới quốc gia đến các bản người H'Mông.", "Electricity reaches highland villages of Lao Cai", None, None),
    ("publication", "2000", "vn-ha-noi", "btp", ["CRC", "education"], "Sách hỏi đáp về Công ước Quyền trẻ em", "Ấn phẩm phổ biến Công ước Quyền trẻ em cho học sinh.", "Questions and answers on the Convention on the Rights of the Child", "Questions-réponses sur la Convention relative aux droits de l'enfant", None),
    ("photo", "2003-11", "vn-yen-bai", "ttxvn", ["CEDAW"], "Phụ nữ Yên Bái tham gia lớp khuyến nông", "Chị em phụ nữ học kỹ thuật trồng chè.", "Women of Yen Bai at a farming course", None, None),
    ("photo", "2005", "vn-ha-giang", "ttxvn", ["poverty-reduction"], "Trường bán trú ở Hà Giang", "Học sinh dân tộc thiểu số ở trường bán trú.", "A boarding school in Ha Giang", None, None),
    ("photo", "2007-01-11", "geneva", "bngg", ["upr"], "Việt Nam gia nhập WTO", "Lễ kết nạp Việt Nam làm thành viên Tổ chức Thương mại Thế giới.", "Viet Nam joins the WTO", "Le Viêt Nam adhère à l'OMC", None),
    ("photo", "2009-05-08", "geneva", "bngg", ["upr"], "Việt Nam trình bày Báo cáo quốc gia UPR chu kỳ I", "Phái đoàn Việt Nam tại Hội đồng Nhân quyền, Giơ-ne-vơ.", "Viet Nam presents its first UPR national report", "Le Viêt Nam présente son premier rapport national à l'EPU", None),
    ("photo", "2010", "vn-gia-lai", "ubnd-gia-lai", ["ethnic-minorities", "belief-religion"], "Lễ hội cồng chiêng Tây Nguyên tại Gia Lai", "Không gian văn hóa cồng chiêng của người Jrai, Bahnar.", "Central Highlands gong festival in Gia Lai", "Fête des gongs des Hauts Plateaux à Gia Lai", None),
    ("photo", "2012-08", "vn-ninh-thuan", "ttxvn", ["belief-religion", "ethnic-minorities"], "Lễ hội Katê của đồng bào Chăm", "Đồng bào Chăm ở Ninh Thuận mừng lễ Katê.", "The Kate festival of the Cham people", "La fête Katê du peuple cham", None),
    ("photo", "2014", "vn-an-giang", "ttxvn", ["belief-religion"], "Chùa Khmer ở An Giang", "Sinh hoạt tôn giáo của đồng bào Khmer Nam Bộ.", "A Khmer pagoda in An Giang", None, None),
    ("photo", "2014-12", "new-york", "bngg", ["CAT", "upr"], "Việt Nam ký Công ước chống tra tấn", "Đại diện Việt Nam ký Công ước tại trụ sở Liên hợp quốc.", "Viet Nam signs the Convention against Torture", "Le Viêt Nam signe la Convention contre la torture", None),
    ("photo", "2015-02", "new-york", "bngg", ["CRPD"], "Phê chuẩn Công ước về quyền của người khuyết tật", "Việt Nam nộp văn kiện phê chuẩn Công ước.", "Ratification of the Convention on the Rights of Persons with Disabilities", None, None),
    ("poster", "2016", "vn-ha-noi", "bldtbxh", ["anti-trafficking"], "Tranh cổ động phòng, chống mua bán người", "Tranh cổ động cảnh giác trước thủ đoạn mua bán người.", "Poster against human trafficking", "Affiche contre la traite des êtres humains", None),
    ("photo", "2017-09", "vn-nghe-an", "bldtbxh", ["anti-trafficking", "CEDAW"], "Tuyên truyền phòng chống mua bán người ở vùng biên Nghệ An", "Cán bộ biên phòng tuyên truyền cho bà con.", "Anti-trafficking awareness in border areas of Nghe An", None, None),
    ("photo", "2018", "vn-bac-kan", "ttxvn", ["poverty-reduction"], "Nhà đại đoàn kết cho hộ nghèo Bắc Kạn", "Bàn giao nhà đại đoàn kết cho hộ nghèo.", "Solidarity houses for poor families in Bac Kan", None, "Rườn đại đoàn kết hử cần chỏn Bắc Kạn"),
    ("photo", "2019-01", "geneva", "bngg", ["upr"], "Báo cáo quốc gia UPR chu kỳ III", "Việt Nam đối thoại tại phiên rà soát định kỳ phổ quát.", "Third-cycle UPR national report", "Rapport national du troisième cycle de l'EPU", None),
    ("photo", "2019-10", "vn-ha-noi", "bldtbxh", ["labour-rights-trade"], "Hội thảo quyền lao động trong CPTPP và EVFTA", "Hội thảo về cam kết lao động trong các FTA thế hệ mới.", "Workshop on labour rights in the CPTPP and EVFTA", "Atelier sur les droits du travail dans le CPTPP et l'EVFTA", None),
    ("photo", "2020-04", "vn-vinh-phuc", "ttxvn", ["ICESCR"], "Phát gạo hỗ trợ người dân trong đại dịch", "Cây ATM gạo hỗ trợ người khó khăn mùa dịch COVID-19.", "Rice handouts during the pandemic", None, None),
    ("photo", "2021-07", "vn-binh-duong", "ttxvn", ["labour-rights-trade", "ICESCR"], "Công nhân Bình Dương được tiêm vắc xin", "Tiêm vắc xin cho công nhân khu công nghiệp.", "Factory workers in Binh Duong receive vaccines", None, None),
    ("publication", "2022", "vn-ha-noi", "btttt", ["children-online", "CRC"], "Cẩm nang bảo vệ trẻ em trên môi trường mạng", "Hướng dẫn cha mẹ và thầy cô giữ an toàn cho trẻ khi lên mạng.", "Handbook on protecting children online", "Guide pour protéger les enfants en ligne", None),
    ("photo", "2023-03", "vn-cao-bang", "ubnd-cao-bang", ["ethnic-minorities", "education"], "Triển lãm ảnh về quyền con người tại Cao Bằng", "Khai mạc triển lãm ảnh, tài liệu lưu trữ tại tỉnh Cao Bằng.", "Human rights photo exhibition in Cao Bang", "Exposition de photos sur les droits de l'homme à Cao Bằng", "Triển lãm ảnh quyền cần tại Cao Bằng"),
    ("photo", "2023-06", "vn-ha-noi", "vov", ["freedom-expression"], "Hội Nhà báo Việt Nam kỷ niệm Ngày Báo chí cách mạng", "Lễ kỷ niệm Ngày Báo chí cách mạng Việt Nam 21/6.", "Vietnam Journalists' Association marks Revolutionary Press Day", None, None),
    ("photo", "2023-10", "bangkok", "bngg", ["upr", "achievements"], "Triển lãm thành tựu quyền con người của Việt Nam tại Băng Cốc", "Khách tham quan triển lãm tại Thái Lan.", "Exhibition on Viet Nam's human rights achievements in Bangkok", "Exposition sur les réalisations du Viêt Nam en matière de droits de l'homme à Bangkok", None),
    ("poster", "2024", "vn-dak-lak", "ttxvn", ["CRPD", "education"], "Tranh cổ động hòa nhập người khuyết tật", "Tranh cổ động về quyền của người khuyết tật.", "Poster on the inclusion of persons with disabilities", None, None),
    ("photo", "2024-05", "vn-quang-nam", "ttxvn", ["poverty-reduction", "children-online"], "Điểm truy cập internet cho học sinh vùng cao Quảng Nam", "Học sinh học trực tuyến ở điểm bưu điện văn hóa xã.", "Internet access point for highland pupils in Quang Nam", None, None),
    ("photo", "2025-09", "vn-hue", "ttxvn", ["achievements"], "Thành phố Huế đón khách quốc tế", "Du khách quốc tế tham quan Đại Nội Huế.", "Hue welcomes international visitors", "Hué accueille les visiteurs internationaux", None),
]  # fmt: skip

# Statuses spread so the review queue and the public site both have something to show.
STATUS_CYCLE = ["published", "published", "published", "review", "published", "draft", "published"]


def draw_demo_photos(storage: Storage) -> dict[int, tuple[str, int, int, int]]:
    """Draw and store the demo photos: number → (sha256, size, width, height). Slow: before the unit."""
    photos = {}
    for number, row in enumerate(PHOTOS, start=1):
        data = render_demo_photo(number, _photo_data(number, *row)["reference_code"])
        sha, size, _created = storage.save_bytes(data)
        photos[number] = (sha, size, *image_size(data))
    return photos


def load_demo(session, photos: dict[int, tuple[str, int, int, int]]) -> int:
    """Create demo users and items unless items exist already; returns items created."""
    if session.scalar(select(func.count(Item.id))):
        return 0
    users = _demo_users(session)
    archivist, curator = users[Role.ARCHIVIST], users[Role.CURATOR]
    count = 0
    for row in DOCUMENTS:
        item = create_item(session, archivist, _document_data(*row))
        _move(session, item, "published", archivist, curator)
        count += 1
    for number, row in enumerate(PHOTOS, start=1):
        item = create_item(session, archivist, _photo_data(number, *row))
        _attach_photo(session, item, photos[number])
        _move(session, item, STATUS_CYCLE[number % len(STATUS_CYCLE)], archivist, curator)
        count += 1
    return count


def _demo_users(session) -> dict:
    users = {}
    for email, role in DEMO_USERS:
        users[role] = session.scalar(select(User).where(User.email == email)) or create_user(
            session, email, DEMO_PASSWORD, role
        )
    return users


def _document_data(filename, ref, date, place, body, terms, vi, en, fr) -> dict:
    text = (CORPUS / filename).read_text(encoding="utf-8")
    texts = {
        "vi": {"title": vi, "description": text[:600].strip(), "transcription": text, "state": "reviewed"},
        "en": {"title": en, "state": "reviewed"},
    }
    if fr:
        texts["fr"] = {"title": fr, "state": "draft"}
    return {"reference_code": ref, "type": "document", "date": date, "place": place, "body": body,
            "terms": terms, "texts": texts, **OFFICIAL_TEXTS, "source_archive": "Cục Văn thư và Lưu trữ nhà nước",
            "fonds": "Đề án 1079", "creator": None, "tags": ["Đề án 1079"]}  # fmt: skip


def _photo_data(number, type_, date, place, body, terms, vi, vi_desc, en, fr, tyz) -> dict:
    texts = {
        "vi": {"title": vi, "description": vi_desc, "caption": vi, "state": "reviewed"},
        "en": {"title": en, "caption": en, "state": "reviewed" if number % 3 else "machine"},
    }
    if fr:
        texts["fr"] = {"title": fr, "caption": fr, "state": "reviewed"}
    if tyz:
        texts["tyz"] = {"title": tyz, "state": "draft"}
    year = re.search(r"\d{4}", date).group()
    return {"reference_code": f"VTR-{type_[:2].upper()}-{year}-{number:03d}", "type": type_, "date": date,
            "place": place, "body": body, "terms": terms, "texts": texts, **_photo_rights(number, type_, body),
            "source_archive": "Trung tâm Lưu trữ quốc gia III", "fonds": "Ảnh tư liệu",
            "creator": "Thông tấn xã Việt Nam" if body == "ttxvn" else None}  # fmt: skip


def _photo_rights(number: int, type_: str, body: str) -> dict:
    if number == UNCHECKED_PHOTO:
        return UNCHECKED
    return POSTERS if type_ == "poster" else MISSION_PHOTOS if body == "bngg" else ARCHIVE_PHOTOS


def _attach_photo(session, item: Item, photo: tuple[str, int, int, int]) -> None:
    sha, size, width, height = photo
    item.media.append(MediaFile(sha256=sha, size=size, mime_type="image/jpeg",
                                original_name=f"{item.reference_code}.jpg", width=width, height=height))  # fmt: skip
    session.flush()


def _move(session, item: Item, status: str, archivist: User, curator: User) -> None:
    if status == "draft":
        return
    apply_transition(session, archivist, item, "submit")
    if status == "published":
        apply_transition(session, curator, item, "publish")
