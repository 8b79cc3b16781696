"""Issue 9: decisions of the SHIPPED model + the one operating-point rule on comments written for
this test (none taken from the data sets).

Ham must be *accepted* (score below the hold threshold served for its detected language, with
``blog_lang``/``lang`` id as a declared fallback as an Indonesian news portal would send); spam of every
category, English and Indonesian, must be *caught* (held or rejected). Examples that fail honestly are
marked ``xfail`` with the reason, not removed.
"""
from __future__ import annotations

import pytest

from models.artifact import load_default
from models.classifier import SpamClassifier
from models.lang import comment_lang
from models.thresholds import resolve_thresholds

#: honest failures of the shipped model (see docs/issue9-report.md)
XFAIL_EN = pytest.mark.xfail(strict=False, reason="English hold threshold is high (out-of-source English ham from "
                             "e-mail and SMS scores high); this category has too little English training spam")
XFAIL_ID = pytest.mark.xfail(strict=False, reason="no such Indonesian spam in the training data; the lexicon "
                             "category gets no learned weight")

HAM_ID = [
    "Terima kasih, artikelnya sangat membantu!",
    "Terima kasih infonya, sangat bermanfaat untuk warga.",
    "Makasih min, beritanya lengkap dan jelas.",
    "Semoga banjirnya cepat surut dan warga diberi kesabaran.",
    "Semoga Pak Wali Kota sehat selalu dan amanah.",
    "Selamat ulang tahun kota kami, semoga makin maju!",
    "Selamat untuk para juara lomba, semoga sukses selalu.",
    "Pak, kapan jadwal pembuatan KTP elektronik di kecamatan dibuka lagi?",
    "Mohon info, apakah kantor Dukcapil buka hari Sabtu?",
    "Bagaimana cara mendaftar bantuan sosial untuk lansia?",
    "Lampu jalan di Jalan Sudirman sudah seminggu mati, mohon segera diperbaiki.",
    "Sampah di pasar menumpuk dan baunya sampai ke rumah warga, tolong ditindaklanjuti.",
    "Pelayanan di puskesmas lambat sekali, antre dari pagi belum dipanggil.",
    "Koreksi: kejadiannya hari Selasa, bukan Senin seperti yang ditulis.",
    "Ralat min, nama kepala dinasnya salah ketik di paragraf kedua.",
    "Judi online merusak keluarga, pemerintah harus tegas memblokir situsnya.",
    "Stop judol! Sudah banyak tetangga saya yang terlilit utang karena slot.",
    "Tolong polisi tangkap bandar judi online yang promosi di kolom komentar.",
    "Rumah makan Padang di dekat alun-alun itu rendangnya enak sekali, harganya juga terjangkau.",
    "Nasi padang di sana porsinya besar, sambal ijonya mantap.",
    "Beritanya bagus, tapi fotonya kurang jelas.",
    "Saya setuju dengan pendapat penulis, transportasi umum harus diperbaiki.",
    "Kapan jalan tol ke arah bandara selesai dibangun?",
    "Alhamdulillah akhirnya jembatan itu diperbaiki juga.",
    "Mantap, semoga program ini berlanjut tahun depan.",
]
HAM_EN = [
    "Thanks for this write-up, the section on caching was really helpful.",
    "Great article! Could you do a follow-up on testing?",
    "I think there is a small typo in the second paragraph: 'their' should be 'there'.",
    "I disagree with the conclusion, but the argument is well made.",
    "This recipe worked perfectly, I added a bit more garlic.",
    "Does this approach also work on Windows?",
    "Lovely photos, the one of the harbour at dawn is my favourite.",
    "I've been following this blog for years and it keeps getting better.",
    "Nice post!",
    "Love this song, it reminds me of my first concert.",
    "She was amazing live last night, best show I've been to!",
    "Can't stop listening to this album, every track is great.",
    "The city council should publish the minutes of these meetings online.",
    "My grandfather worked at that factory for thirty years, thank you for the history.",
    "Is there a recording of the talk available anywhere?",
]
HAM_OTHER = [
    ("Matur nuwun sanget, artikele apik tenan lan migunani.", "jv"),
    ("Mugi-mugi kutha kita tambah maju lan rakyate makmur.", "jv"),
    ("Дякую за статтю, дуже корисно і цікаво!", "uk"),
    ("Чекаю на продовження, гарно написано.", "uk"),
    ("とても役に立つ記事でした。ありがとうございます。", "ja"),
    ("写真がきれいですね。また行きたいです。", "ja"),
]
SPAM_ID = [
    "Gabung sekarang di PSTOTO99 situs slot gacor, deposit 10rb langsung maxwin!",
    "Main slot gacor hari ini pasti jp, link di bio",
    "Bocoran togel hari ini, angka jitu cuma di situs kami",
    "⭐ A L E X I S 1 7 ⭐ tempatnya maxwin, wd lancar",
    "s l o t  g a c o r  hari ini cek bio",
    "Pinjaman online cepat cair tanpa BI checking, hubungi WA 081234567890",
    "Dana tunai cair 5 juta tanpa jaminan, klik link https://bit.ly/danacepat",
    "Obat kuat pria terbaik, pesan sekarang di WA 081298765432",
    "Open BO dan VCS, cek profil aku ya kak",
    "Robot trading profit harian 10%, investasi aman terpercaya, hubungi kami",
    "Kerja online dari rumah penghasilan jutaan per hari, modal HP saja, daftar sekarang",
    "Jasa joki skripsi dan tugas kuliah murah, chat WA 085712345678",
    "Jasa backlink dan jasa SEO murah, website langsung halaman satu Google",
    "Nonton film gratis tanpa iklan di https://s.id/filmgratis",
    "Dukun pelet ampuh, pesugihan tanpa tumbal, hubungi WA 081377788899",
]
SPAM_EN = [
    "Get the best online casino bonus today: 200 free spins, no deposit bonus at https://bit.ly/casinoxyz",
    "Buy vіаgrа and cialis online without prescription, cheap pills shipped worldwide",
    "Cheap v i a g r a online pharmacy, order now at https://tinyurl.com/pills4u",
    "I make $85 per hour working from home on my laptop, visit https://bit.ly/homejob to start",
    "Need a loan? Instant personal loans for bad credit, apply today https://cutt.ly/loan",
    "Double your bitcoin in 7 days with our crypto investment plan, guaranteed returns",
    "Hot singles in your area want to meet you tonight, join the best dating site now",
    "Replica watches and designer handbags at 80% off, visit our website",
    "Buy cheap backlinks and SEO services to rank your website on the first page of Google",
    "Professional essay writing service: write my essay for me, cheap term papers",
    "Watch movies online free in HD, best free VPN included: https://bit.ly/freemoviez",
    "Lost money to a scam? Crypto recovery expert will recover your lost funds, contact me on WhatsApp",
    "Check out my channel and subscribe, I post new videos every day!",
    # second wordings of the categories (written while the prior weights were chosen; see the model card)
    "Best online casino bonus this week: 200 free spins and no deposit bonus at https://casino-royal-bonus.example",
    "I earn $7,000 a month working from home part time, anyone can do it, details at https://bit.ly/wfh-job",
    "Invest in bitcoin with our crypto trading signals, guaranteed returns of 30% per week",
    "Need cash fast? Payday loans approved in 10 minutes even with bad credit, apply at quickcash.example",
    "Top quality replica watches and designer handbags at 80% off, free shipping worldwide",
    "Watch free movies online in HD and get the best cheap VPN for streaming, link in my profile",
    "Professional essay writing service: write my essay for me, cheap term papers, 100% original",
]
#: ordinary comments that name a spam category (against it, or in passing): must be accepted
HAM_MENTIONS = [
    ("Judi online dan pinjol ilegal bikin banyak warga terlilit utang, tolong diberantas.", "id_ID"),
    ("Tetangga saya kehilangan rumah karena judi slot, semoga pemerintah tegas.", "id_ID"),
    ("Hapus saja komentar promosi situs judi di bawah ini min, meresahkan.", "id_ID"),
    ("My uncle lost his savings to online gambling, thank you for writing about addiction.", "en_US"),
    ("These replica ads in the comments are getting out of hand, can the moderators remove them?", "en_US"),
    ("Any tips for a student who struggles with essay structure? My teacher says my paragraphs are too long.", "en_US"),
]


@pytest.fixture(scope="module")
def clf() -> SpamClassifier:
    return load_default()


def _decision(clf: SpamClassifier, text: str, declared: str = "id_ID", **fields: str) -> tuple[str, float]:
    rec = {"content": text, "lang": declared, **fields}
    score = clf.score_one(rec).spam_score
    hold, reject = resolve_thresholds(clf.metadata, comment_lang(declared, text))
    return ("reject" if score >= reject else "hold" if score >= hold else "accept"), score


@pytest.mark.parametrize("text", HAM_ID)
def test_indonesian_reader_comments_accepted(clf: SpamClassifier, text: str) -> None:
    decision, score = _decision(clf, text)
    assert decision == "accept", (text, score)


@pytest.mark.parametrize("text", HAM_EN)
def test_english_comments_accepted(clf: SpamClassifier, text: str) -> None:
    for declared in ("en_US", "id_ID"):
        decision, score = _decision(clf, text, declared)
        assert decision == "accept", (text, declared, score)


@pytest.mark.parametrize("text,declared", HAM_MENTIONS)
def test_comments_naming_a_spam_category_accepted(clf: SpamClassifier, text: str, declared: str) -> None:
    decision, score = _decision(clf, text, declared)
    assert decision == "accept", (text, score)


@pytest.mark.parametrize("text,lang", HAM_OTHER)
def test_other_languages_accepted(clf: SpamClassifier, text: str, lang: str) -> None:
    decision, score = _decision(clf, text)
    assert decision == "accept", (text, score)


@pytest.mark.parametrize("text", SPAM_ID)
def test_indonesian_spam_caught(clf: SpamClassifier, text: str) -> None:
    decision, score = _decision(clf, text)
    assert decision in ("hold", "reject"), (text, score)


@pytest.mark.parametrize("text", SPAM_EN)
def test_english_spam_caught(clf: SpamClassifier, text: str) -> None:
    decision, score = _decision(clf, text, "en_US")
    assert decision in ("hold", "reject"), (text, score)


def test_author_fields_decide_a_bare_compliment(clf: SpamClassifier) -> None:
    """"Nice post!" from an author named after a spam product, with a homepage behind a URL
    shortener, is held; the bare compliment, or one from an ordinary reader, is accepted."""
    assert _decision(clf, "Nice post!", "en_US")[0] == "accept"
    assert _decision(clf, "Nice post!", "en_US", author="Maria Lopez", author_url="https://maria-lopez.example")[0] == "accept"
    assert _decision(clf, "Nice post!", "en_US", author="jessica123")[0] == "accept"
    decision, score = _decision(clf, "Nice post!", "en_US", author="casino bonus", author_url="https://bit.ly/xyz")
    assert decision in ("hold", "reject"), score
    scored = clf.score_one({"content": "Nice post!", "lang": "en_US", "author": "casino bonus",
                            "author_url": "https://bit.ly/xyz"})
    assert any("author" in r.lower() for r in scored.reasons), scored.reasons


def test_reasons_follow_the_deciding_threshold(clf: SpamClassifier) -> None:
    text = "Gabung sekarang di PSTOTO99 situs slot gacor, deposit 10rb langsung maxwin!"
    scored = clf.score_one({"content": text, "lang": "id"})
    assert any("slot gacor" in r or "PSTOTO99" in r for r in scored.reasons), scored.reasons
    ham = clf.score_one({"content": "Terima kasih, artikelnya sangat membantu!", "lang": "id"})
    assert not any("Spam-typical" in r for r in ham.reasons), ham.reasons


def test_metadata_has_per_language_out_of_source_thresholds(clf: SpamClassifier) -> None:
    by_lang = clf.metadata["thresholds_by_lang"]
    assert {"en", "id"} <= set(by_lang)
    assert "out-of-source" in clf.metadata["threshold_method"]


def test_served_scores_equal_the_scores_thresholds_were_chosen_on(clf: SpamClassifier) -> None:
    """``SpamClassifier`` (serving, with its fast paths) and ``training.recipe.PriorModel`` (the
    out-of-source folds the thresholds were chosen on) give the same spam scores."""
    from models.comment import to_frame
    from training.recipe import PriorModel

    records = [{"content": t, "lang": "id"} for t in HAM_ID[:5] + [x for x in SPAM_EN if isinstance(x, str)][:5]]
    records.append({"content": "Nice post!", "author": "casino bonus", "author_url": "https://bit.ly/xyz"})
    served = clf.spam_scores(records)
    trained = PriorModel(clf.pipeline, clf.metadata["lexicon_prior"]).predict_proba(to_frame(records))[:, 1]
    assert served == pytest.approx(trained, abs=1e-7)
    assert [s.spam_score for s in clf.score(records)] == pytest.approx(list(served), abs=1e-12)
