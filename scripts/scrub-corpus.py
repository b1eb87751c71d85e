#!/usr/bin/env python3
"""Generate the labelled scrub corpus (tests/data/scrub-corpus.jsonl).

Each line is {"lang": "en"|"id"|"ms", "text": ..., "pii": [[kind, substring], ...]}.
Snippets are support tickets, chat messages, notes and log lines in English,
Indonesian and Malay; values are drawn in many real-world formats, and about
a third of the snippets carry no personal data but look as if they might
(order numbers, dates, times, prices, versions, tracking codes, MAC
addresses, 16-digit numbers that are neither cards nor NIKs, product, city
and company names, numbers after words that are not keywords). Person
names follow greetings and honorifics, stand before email addresses or
alone; identifiers typed wrongly (a NIK whose date is no date, a card that
fails Luhn) follow the keyword that names them. Labels come
from what was inserted, independently of the detector. Deterministic
(seeded), so the file only changes when this script does.
"""
import json
import random
import sys

rng = random.Random(20261123)


def luhn_fix(digits):
    for c in range(10):
        d = digits[:-1] + [c]
        s = 0
        for i, v in enumerate(reversed(d)):
            if i % 2 == 1:
                v *= 2
                if v > 9:
                    v -= 9
            s += v
        if s % 10 == 0:
            return d
    return digits


def card():
    prefix = rng.choice([[4], [5, rng.randint(1, 5)], [3, 7], [6, 0, 1, 1]])
    length = 15 if prefix[:2] == [3, 7] else 16
    d = prefix + [rng.randint(0, 9) for _ in range(length - len(prefix))]
    d = luhn_fix(d)
    s = "".join(map(str, d))
    style = rng.choice(["plain", "space", "dash"])
    if length == 16 and style != "plain":
        sep = " " if style == "space" else "-"
        s = sep.join(s[i:i + 4] for i in range(0, 16, 4))
    return s


def not_card16():
    while True:
        d = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(15)]
        fixed = luhn_fix(d)
        if fixed != d:
            s = "".join(map(str, d))
            # Also not a NIK: day field 00.
            return s[:6] + "00" + s[8:]


PROVINCES = ["11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36",
             "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82", "91", "94"]


def nik():
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    return "%s%02d%02d%02d%02d%02d%04d" % (rng.choice(PROVINCES), rng.randint(1, 30), rng.randint(1, 30), day,
                                          rng.randint(1, 12), rng.randint(0, 99), rng.randint(1, 9999))


def nric():
    prefix = rng.choice("STFG")
    d = [rng.randint(0, 9) for _ in range(7)]
    w = [2, 7, 6, 5, 4, 3, 2]
    s = sum(a * b for a, b in zip(d, w)) + (4 if prefix in "TG" else 0)
    letters = "JZIHGFEDCBA" if prefix in "ST" else "XWUTRQPNMLK"
    return prefix + "".join(map(str, d)) + letters[s % 11]


def iban():
    cc, layout = rng.choice([("DE", "n18"), ("GB", "a4n14"), ("NL", "a4n10"), ("FR", "n23"), ("ID", None)])
    if layout is None:
        cc, layout = "DE", "n18"
    bban = ""
    i = 0
    while i < len(layout):
        kind = layout[i]
        j = i + 1
        while j < len(layout) and layout[j].isdigit():
            j += 1
        n = int(layout[i + 1:j])
        bban += "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") if kind == "a" else str(rng.randint(0, 9))
                        for _ in range(n))
        i = j
    num = "".join(str(int(c, 36)) for c in bban + cc + "00")
    check = 98 - int(num) % 97
    raw = "%s%02d%s" % (cc, check, bban)
    if rng.random() < 0.6:
        return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))
    return raw


FIRST = ["budi", "siti", "agus", "dewi", "rina", "john", "mary", "wei.ling", "ahmad", "priya", "kevin", "nur",
         "alice", "bob", "tan", "lim", "putri", "rahmat"]
LAST = ["santoso", "wijaya", "pratama", "smith", "jones", "tan", "lim", "kumar", "halim", "hidayat", "lee"]
DOMAINS = ["gmail.com", "yahoo.co.id", "outlook.com", "company.co.id", "acme.sg", "mail.example.org",
           "startup.io", "pt-maju.id", "gov.sg", "ui.ac.id"]


def email():
    f, l = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice([f"{f}.{l}", f"{f}{rng.randint(1, 99)}", f"{f}_{l}", f"{f}+{rng.choice(['billing', 'test'])}",
                        f"{f[0]}.{l}", f"{l}.{f}"])
    e = f"{local}@{rng.choice(DOMAINS)}"
    return e.upper() if rng.random() < 0.05 else e


def phone():
    n4 = lambda: "%04d" % rng.randint(0, 9999)
    kind = rng.choice(["id_intl", "id_local", "id_compact", "id_land", "sg_intl", "sg_local", "us", "uk", "id_dash"])
    mob = rng.choice(["811", "812", "813", "821", "822", "852", "856", "857", "878", "895"])
    if kind == "id_intl":
        return f"+62 {mob}-{n4()}-{n4()}"
    if kind == "id_local":
        return f"0{mob} {n4()} {n4()}"
    if kind == "id_compact":
        return f"+62{mob}{n4()}{n4()[:3]}"
    if kind == "id_dash":
        return f"0{mob}-{n4()}-{n4()}"
    if kind == "id_land":
        return f"(021) {n4()} {n4()}"
    if kind == "sg_intl":
        return f"+65 {rng.choice('89')}{rng.randint(100, 999)} {n4()}"
    if kind == "sg_local":
        return f"{rng.choice('89')}{rng.randint(100, 999)} {n4()}"
    if kind == "us":
        return f"+1 ({rng.randint(201, 989)}) 555-{n4()}"
    return f"+44 20 {n4()} {n4()}"


def ipv4():
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def ipv6():
    groups = ["%x" % rng.randint(0, 0xffff) for _ in range(8)]
    if rng.random() < 0.5:
        return "2001:db8:" + ":".join(groups[:2]) + "::" + groups[3]
    return ":".join(groups)


GEN = {"email": email, "phone": phone, "card": card, "iban": iban, "nik": nik, "nric": nric}


def ip():
    return ipv4() if rng.random() < 0.7 else ipv6()


GEN["ip"] = ip

EN = [
    ("Customer {email} says the invoice never arrived.", ["email"]),
    ("Please call me back on {phone} after 5pm.", ["phone"]),
    ("Refund to card {card} was declined twice.", ["card"]),
    ("Login from {ip} flagged as unusual.", ["ip"]),
    ("Wire it to {iban} please, reference ORD-{num}.", ["iban"]),
    ("My NRIC is {nric}, can you update the record?", ["nric"]),
    ("Contact: {email} / {phone}", ["email", "phone"]),
    ("User {email} logged in from {ip} at 09:14.", ["email", "ip"]),
    ("Hi team, {email} wants the account closed. Their number is {phone}.", ["email", "phone"]),
    ("Charged {card} for $49.99 on 2024-03-05.", ["card"]),
    ("Forwarded from {email}: 'my card {card} was charged twice'", ["email", "card"]),
    ("Reset link was opened at {url}", ["url"]),
    ("Verification for {nric} failed at the counter; call {phone}.", ["nric", "phone"]),
    ("ID check: NIK {nik}", ["nik"]),
    ("Payout IBAN {iban} belongs to {email}.", ["iban", "email"]),
]
ID = [
    ("Pelanggan {email} bilang tagihannya belum sampai.", ["email"]),
    ("Tolong hubungi saya di {phone} setelah jam 5 sore.", ["phone"]),
    ("Refund ke kartu {card} ditolak dua kali.", ["card"]),
    ("Login dari {ip} ditandai mencurigakan.", ["ip"]),
    ("NIK saya {nik}, mohon diperbarui datanya.", ["nik"]),
    ("Kirim ke rekening {iban} ya, referensi ORD-{num}.", ["iban"]),
    ("Kontak: {email} / {phone}", ["email", "phone"]),
    ("Atas nama Ibu Siti, NIK {nik}, HP {phone}.", ["nik", "phone", "name=Siti"]),
    ("Mohon cek transaksi kartu {card} tanggal 05/03/2024.", ["card"]),
    ("Email {email} tidak bisa login dari {ip}.", ["email", "ip"]),
    ("Link verifikasi dibuka di {url}", ["url"]),
    ("KTP {nik} sudah diverifikasi, no WA {phone}.", ["nik", "phone"]),
    ("Pembayaran pakai kartu {card}, konfirmasi ke {email}.", ["card", "email"]),
]
NEG_EN = [
    "Order #{num} shipped on 2024-03-05 at 14:30.",
    "Invoice INV-2024-{num} total $1,299.99 due 05/04/2024.",
    "Upgraded to v{v} last night; build {num} is green.",
    "Tracking number JNE{num}{num} is in transit.",
    "Room 1204, meeting moved to 10:30:00.",
    "Ref {neg16} does not match any payment.",
    "Device MAC {mac} rejoined the network.",
    "Ticket {num} closed: duplicate of {num}.",
    "The SKU is AB-{num}-XL and costs 45.00 EUR.",
    "Batch job finished in 12:45:31 with 0 errors.",
    "Postal code 12950 is outside the delivery zone.",
    "Hash a3f5c9d2e1b4 matched the previous release.",
    "Quarterly revenue grew 12.5% to 4,512,000.",
    "Use coupon SAVE20 before 31 Dec.",
    "Timestamp 2024-03-05T12:34:56Z recorded for request {num}.",
    "See page 4 of the handbook, section 3.2.1.",
]
NEG_ID = [
    "Pesanan #{num} dikirim tanggal 05-03-2024 jam 14.30.",
    "Tagihan INV/2024/{num} sebesar Rp 1.500.000 jatuh tempo besok.",
    "No resi JNE{num}{num} masih di gudang.",
    "Versi aplikasi {v} sudah dirilis.",
    "Nomor referensi {neg16} tidak ditemukan.",
    "Kode pos 12950 belum terjangkau kurir.",
    "Rapat dipindah ke ruang 1204 pukul 10.00 WIB.",
    "Diskon 20% untuk pembelian di atas Rp 250.000.",
    "Stok barang SKU-{num} tinggal 12 unit.",
    "Antrian nomor {num} silakan ke loket 3.",
    "NPWP perusahaan sedang diproses oleh bagian pajak.",
    "Jadwal maintenance server 23:00 - 02:00.",
]
URL_HOSTS = ["https://app.example.com/reset", "https://shop.example.co.id/checkout", "http://portal.example.sg/verify"]


def url():
    kind = rng.choice(["email", "phone", "token", "nik"])
    host = rng.choice(URL_HOSTS)
    if kind == "email":
        e = email().replace("@", "%40")
        return f"{host}?email={e}&lang=id", [("url", None)]
    if kind == "phone":
        p = phone().replace("+", "%2B").replace(" ", "+")
        return f"{host}?hp={p}&step=2", [("url", None)]
    if kind == "nik":
        return f"{host}?nik={nik()}", [("url", None)]
    return f"{host}?token={''.join(rng.choice('abcdef0123456789') for _ in range(24))}&next=/home", [("url", None)]


def fill(template, kinds):
    text = template
    pii = []
    for k in kinds:
        if k.startswith("name="):
            # A name written into the template itself.
            pii.append(["name", k[5:]])
            continue
        if k == "url":
            u, _ = url()
            text = text.replace("{url}", u, 1)
            pii.append(["url", u])
            continue
        v = GEN[k]()
        text = text.replace("{" + k + "}", v, 1)
        pii.append([k, v])
    text = text.replace("{num}", str(rng.randint(1000, 99999)))
    return text, pii


def neg(template):
    text = template
    while "{num}" in text:
        text = text.replace("{num}", str(rng.randint(1000, 99999)), 1)
    text = text.replace("{v}", "%d.%d.%d" % (rng.randint(1, 9), rng.randint(0, 20), rng.randint(0, 50)))
    text = text.replace("{neg16}", not_card16())
    text = text.replace("{mac}", ":".join("%02X" % rng.randint(0, 255) for _ in range(6)))
    return text


rows = []
for lang, pos, negs, n_pos, n_neg in [("en", EN, NEG_EN, 120, 50), ("id", ID, NEG_ID, 110, 50)]:
    for i in range(n_pos):
        t, kinds = pos[i % len(pos)]
        text, pii = fill(t, kinds)
        rows.append({"lang": lang, "text": text, "pii": pii})
    for i in range(n_neg):
        rows.append({"lang": lang, "text": neg(negs[i % len(negs)]), "pii": []})

# Names, and identifiers next to keywords (generated after the rows above,
# so that those stay as they were). Names come from this script's own lists,
# which share only some names with doppel's locale dictionaries.
ID_FIRST_S = ["Budi", "Siti", "Agus", "Dewi", "Rina", "Hartono", "Yulia", "Slamet", "Wati", "Eka", "Rudi", "Sri",
              "Bambang", "Fajar", "Indah", "Joko", "Nur", "Putri", "Rahmat", "Yohanes", "Made", "Ketut", "Desi",
              "Hendra", "Lina", "Taufik", "Ratna", "Wahyu", "Dedi", "Yanti"]
ID_LAST_S = ["Santoso", "Wijaya", "Pratama", "Hidayat", "Susilo", "Kurniawan", "Siregar", "Nasution", "Wibowo",
             "Setiawan", "Gunawan", "Rahayu", "Lestari", "Saputra", "Sitompul", "Halim", "Tanoto", "Sutanto", "Purba",
             "Hutagalung"]
EN_FIRST_S = ["John", "Mary", "Emily", "James", "Sarah", "Michael", "Linda", "David", "Jessica", "Daniel", "Laura",
              "Kevin", "Rachel", "Thomas", "Olivia", "Grace"]
EN_LAST_S = ["Smith", "Clark", "Johnson", "Brown", "Taylor", "Walker", "Hughes", "Foster", "Bennett", "Collins",
             "Morgan", "Reed"]
MS_FULL = ["Ahmad Hafiz", "Nur Aisyah", "Zulkifli bin Hassan", "Faridah binti Osman", "Aminah Yusof", "Mohd Rizal",
           "Siti Aminah", "Azman bin Ali", "Rajesh s/o Kumar", "Priya d/o Raman", "Lim Mei Ling", "Tan Wei Ming",
           "Ng Kok Wai", "Wong Siew Lan", "Hafizah Ismail", "Kamal Ariffin"]


def person(lang):
    """A (full, first, last) name of the language's people."""
    if lang == "ms":
        full = rng.choice(MS_FULL)
        parts = full.split(" ")
        return full, parts[0], parts[-1]
    if lang == "id" or rng.random() < 0.3:
        f, l = rng.choice(ID_FIRST_S), rng.choice(ID_LAST_S)
    else:
        f, l = rng.choice(EN_FIRST_S), rng.choice(EN_LAST_S)
    return f"{f} {l}", f, l


def bad_nik():
    """16 digits laid out as a NIK whose birth date is no date."""
    day = rng.choice([0, 32, 35, 38, 72, 80, 99])
    month = rng.randint(1, 12) if day else rng.randint(13, 99)
    if rng.random() < 0.5:
        day, month = rng.randint(1, 28), rng.randint(13, 99)
    return "%s%02d%02d%02d%02d%02d%04d" % (rng.choice(PROVINCES), rng.randint(1, 30), rng.randint(1, 30), day, month,
                                          rng.randint(0, 99), rng.randint(1, 9999))


def bad_card():
    """A card-like number that fails the Luhn check."""
    d = [rng.choice([4, 5])] + [rng.randint(0, 9) for _ in range(15)]
    good = luhn_fix(d)
    d[-1] = (good[-1] + rng.randint(1, 9)) % 10
    s = "".join(map(str, d))
    return rng.choice([s, " ".join(s[i:i + 4] for i in range(0, 16, 4))])


def odd_phone():
    """A mobile number typed without its trunk zero or country code."""
    mob = rng.choice(["811", "812", "813", "821", "852", "857", "878", "895"])
    n4 = lambda: "%04d" % rng.randint(0, 9999)
    return rng.choice([f"{mob}{n4()}{n4()[:3]}", f"{mob}-{n4()}-{n4()}", f"{mob} {n4()} {n4()[:3]}"])


def account():
    n = "".join(str(rng.randint(0, 9)) for _ in range(rng.choice([10, 12, 13])))
    return rng.choice([n, f"{n[:3]}-{n[3:6]}-{n[6:]}"])


def passport():
    return rng.choice("ABCEX") + "".join(str(rng.randint(0, 9)) for _ in range(7))


def ssn():
    return "%03d-%02d-%04d" % (rng.randint(100, 899), rng.randint(1, 99), rng.randint(1, 9999))


def mykad():
    return "%02d%02d%02d-%02d-%04d" % (rng.randint(50, 99), rng.randint(1, 12), rng.randint(1, 28),
                                       rng.randint(1, 16), rng.randint(1, 9999))


def bad_nric():
    good = nric()
    wrong = rng.choice([c for c in "ABCDEFGHIJKLMNPQRTUWXZ" if c != good[-1]])
    return good[:-1] + wrong


def email_no_tld():
    return f"{rng.choice(FIRST)}.{rng.choice(LAST)}@{rng.choice(['gmail', 'yahoo', 'kantor'])}"


def bad_iban():
    good = iban().replace(" ", "")
    check = (int(good[2:4]) + rng.randint(1, 90)) % 97 + 2
    return "%s%02d%s" % (good[:2], check, good[4:])


KEYED = {"bad_nik": ("nik", bad_nik), "bad_card": ("card", bad_card), "odd_phone": ("phone", odd_phone),
         "account": ("id_number", account), "passport": ("id_number", passport), "ssn": ("id_number", ssn),
         "mykad": ("id_number", mykad), "bad_nric": ("nric", bad_nric), "email_no_tld": ("email", email_no_tld),
         "bad_iban": ("iban", bad_iban), "email": ("email", email)}

NAME_TEMPLATES = [
    ("en", "Dear {name}, your refund has been processed."),
    ("en", "Hi {first}, thanks for reaching out about the Apple Watch order."),
    ("en", "Hello {name}, we have updated your delivery address."),
    ("en", "Ms {name} called about her Shopee order."),
    ("en", "Mr {last} asked for a callback from the Singapore office."),
    ("en", "{name} <{email}> wrote: the app crashes on login."),
    ("en", "From: {name} <{email}>"),
    ("en", "Reported by {name} on Monday."),
    ("en", "Thanks, {first}. We will ship it from Jakarta tomorrow."),
    ("en", "Regards,\n{name}"),
    ("en", "Customer {name} says the Grab driver never arrived."),
    ("en", "{name} reported that the GoPay top-up failed."),
    ("id", "Selamat pagi Pak {first}, pesanan Anda sudah dikirim dari Bandung."),
    ("id", "Terima kasih Bu {first} atas konfirmasinya."),
    ("id", "Yth. Bapak {name}, tagihan bulan ini sudah terbit."),
    ("id", "Halo Kak {first}, paket dari Tokopedia sudah sampai di Surabaya."),
    ("id", "Ibu {name} minta refund untuk pesanan di Lazada."),
    ("id", "Transfer ke rekening a.n. {name} sudah kami terima."),
    ("id", "Pelanggan {name} komplain soal kurir JNE."),
    ("id", "{name} ({email}) minta datanya dihapus."),
    ("ms", "Encik {name} telah membuat aduan tentang penghantaran ke Johor Bahru."),
    ("ms", "Cik {first} minta bayaran balik untuk pesanan Shopee."),
    ("ms", "Tuan {name} ingin menukar alamat di Kuala Lumpur."),
    ("ms", "Puan {name} hubungi kami semalam."),
    ("ms", "Salam {first}, pesanan anda sudah dihantar."),
]
# Product, city, company and place names that must survive.
NAME_NEGATIVES = [
    ("en", "The Apple Watch order ships from Jakarta on Monday."),
    ("en", "Grab driver arrived at Marina Bay at 10:30."),
    ("en", "Samsung Galaxy and Google Pixel phones are back in stock."),
    ("en", "Our Kuala Lumpur office uses Microsoft Teams and Slack."),
    ("en", "Visa and Mastercard payments through DBS Bank are delayed."),
    ("en", "Dear Customer, your order has shipped."),
    ("en", "Hi Team, the Surabaya warehouse is closed tomorrow."),
    ("en", "Delivery to Orchard Road, Singapore, is free this week."),
    ("en", "General Mills and Unilever shipped to Batam."),
    ("en", "Flight from Changi Airport to Soekarno Hatta was delayed."),
    ("en", "Beverly Hills Clinic confirmed the appointment."),
    ("id", "PT Telkom Indonesia akan memulihkan layanan di Bandung hari Jumat."),
    ("id", "Shopee dan Tokopedia mencatat lonjakan penjualan saat Ramadan."),
    ("id", "Halo Kak, paket dari Lazada sudah sampai di Medan."),
    ("id", "Kirim ke Jl. Gatot Subroto No. 12, Jakarta Selatan."),
    ("id", "Promo Gojek berlaku di Yogyakarta dan Denpasar sampai Minggu."),
    ("id", "Toko Maju Jaya di Pasar Baru tutup lebih awal."),
    ("id", "Pembayaran lewat OVO dan Dana sedang gangguan."),
    ("ms", "Penghantaran ke Johor Bahru ditangguhkan kerana banjir."),
    ("ms", "Pejabat Maybank di Petaling Jaya dibuka semula."),
]
# More capitalised words that are not people, from this script's own lists
# (brands named after people, greetings to groups, shops, malls, holidays).
BRANDS = ["Honda Jazz", "Toyota Avanza", "Louis Vuitton", "Calvin Klein", "Kopi Kenangan", "Janji Jiwa",
          "Indomie", "Teh Botol Sosro", "Pertamina", "Mister Donut", "Kindle Paperwhite", "Nike Air Max",
          "Ford Ranger", "Mercedes Benz", "Ritz Carlton", "Jollibee", "Sarinah", "Aqua"]
PLACES = ["Grand Indonesia", "Pacific Place", "Senayan City", "Bukit Bintang", "Raffles Place", "Clarke Quay",
          "Lippo Karawaci", "Ciputra World", "Sentul City", "Kelapa Gading", "Petaling Jaya", "Bintaro"]
GREETED = ["All", "World", "Admin", "Valued Member", "Hiring Manager", "Sobat Shopee", "Gan", "Bestie",
           "Support Team", "Everyone", "Folks", "Partner"]
HOLIDAYS = ["Hari Raya Aidilfitri", "Chinese New Year", "Black Friday", "Cyber Monday", "Harbolnas", "Boxing Day"]
MIXED_NEGATIVES = [
    ("en", "Hi {greeted}, the {brand} promo at {place} starts on {holiday}."),
    ("en", "Hello {greeted}, {brand} stock arrives at {place} next week."),
    ("id", "Halo {greeted}, promo {brand} di {place} berlaku sampai {holiday}."),
    ("en", "{brand} sales at {place} doubled during {holiday}."),
    ("id", "Pengiriman {brand} ke {place} tertunda karena {holiday}."),
]


def fill_mixed(template):
    return (template.replace("{greeted}", rng.choice(GREETED)).replace("{brand}", rng.choice(BRANDS))
            .replace("{place}", rng.choice(PLACES)).replace("{holiday}", rng.choice(HOLIDAYS)))


KEYED_TEMPLATES = [
    ("id", "NIK {bad_nik} belum terdaftar di sistem."),
    ("id", "No. KTP: {bad_nik}"),
    ("en", "My NIK is {bad_nik}, please check."),
    ("id", "{bad_nik} (NIK) salah ketik?"),
    ("en", "Card {bad_card} was declined."),
    ("id", "Kartu kredit {bad_card} ditolak."),
    ("id", "HP {odd_phone} aktif jam kerja."),
    ("id", "WA: {odd_phone}"),
    ("id", "Nomor HP saya {odd_phone}"),
    ("en", "Call my mobile {odd_phone} after lunch."),
    ("id", "Mohon transfer ke rekening {account}."),
    ("id", "No. rekening BCA {account} a.n. perusahaan."),
    ("en", "Account no. {account} was debited twice."),
    ("ms", "Akaun Maybank {account} telah dikreditkan."),
    ("en", "Passport {passport} expires next year."),
    ("id", "Nomor paspor {passport} sudah diverifikasi."),
    ("en", "SSN {ssn} is on file."),
    ("ms", "No. IC: {mykad}"),
    ("ms", "MyKad {mykad} tidak sah."),
    ("en", "NRIC {bad_nric} failed verification."),
    ("id", "Email {email_no_tld} tidak bisa menerima pesan."),
    ("en", "IBAN {bad_iban} was rejected by the bank."),
]
KEYED_NEGATIVES = [
    "Order no. {n8} shipped.",
    "Invoice {n10} paid in full.",
    "Account balance {amount} as of today.",
    "Saldo rekening Rp {amount} per hari ini.",
    "Card expires {mm}/20{yy}.",
    "HP Pavilion {n7} laptop is under warranty.",
    "Phone call on 2024-{mm}-{dd} at 10:00.",
    "KTP photo uploaded, ticket {n6}.",
    "Nomor antrian {n6} silakan ke loket.",
    "Email sent at 14:30 on 2024-{mm}-{dd}.",
    "Tracking no. {n12} is in transit.",
    "Ref no. {n10} does not match.",
    "Transaction ID {n12} was settled.",
    "Rekening koran bulan ini sudah dikirim.",
    "The card reader firmware {n7} is out.",
]


def digits(n):
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))


def fill_named(lang, template):
    full, first, last = person(lang)
    text, pii = template, []
    for ph, value in [("{name}", full), ("{first}", first), ("{last}", last)]:
        if ph in text:
            text = text.replace(ph, value, 1)
            pii.append(["name", value])
    for ph, (kind, gen) in KEYED.items():
        if "{" + ph + "}" in text:
            v = gen()
            text = text.replace("{" + ph + "}", v, 1)
            pii.append([kind, v])
    return text, pii


def fill_negative(template):
    text = template
    for ph, make in [("{n6}", lambda: digits(6)), ("{n7}", lambda: digits(7)), ("{n8}", lambda: digits(8)),
                     ("{n10}", lambda: digits(10)), ("{n12}", lambda: digits(12)),
                     ("{amount}", lambda: "{:,}".format(rng.randint(10, 9999) * 1000).replace(",", ".")),
                     ("{mm}", lambda: "%02d" % rng.randint(1, 12)), ("{dd}", lambda: "%02d" % rng.randint(1, 28)),
                     ("{yy}", lambda: "%02d" % rng.randint(25, 32))]:
        while ph in text:
            text = text.replace(ph, make(), 1)
    return text


for i in range(150):
    lang, t = NAME_TEMPLATES[i % len(NAME_TEMPLATES)]
    text, pii = fill_named(lang, t)
    rows.append({"lang": lang, "text": text, "pii": pii})
for lang, t in NAME_NEGATIVES * 2:
    rows.append({"lang": lang, "text": t, "pii": []})
for i in range(40):
    lang, t = MIXED_NEGATIVES[i % len(MIXED_NEGATIVES)]
    rows.append({"lang": lang, "text": fill_mixed(t), "pii": []})
for i in range(110):
    lang, t = KEYED_TEMPLATES[i % len(KEYED_TEMPLATES)]
    text, pii = fill_named(lang, t)
    rows.append({"lang": lang, "text": text, "pii": pii})
for i in range(45):
    rows.append({"lang": "en", "text": fill_negative(KEYED_NEGATIVES[i % len(KEYED_NEGATIVES)]), "pii": []})

# Hand-written hard cases: formats the patterns may not know, and
# look-alikes that are not personal data. They keep the figures honest.
HARD = [
    ("en", "Email me at budi dot santoso at gmail dot com.", [["email", "budi dot santoso at gmail dot com"]]),
    ("id", "WA saya 62812-3456-7890 ya kak", [["phone", "62812-3456-7890"]]),
    ("id", "No HP: 0812.3456.7890", [["phone", "0812.3456.7890"]]),
    ("id", "NIK 3174 0157 0890 0003 sesuai KTP", [["nik", "3174 0157 0890 0003"]]),
    ("en", "iban gb29nwbk60161331926819 (lowercase, as typed)", [["iban", "gb29nwbk60161331926819"]]),
    ("en", "Card ending 4111.1111.1111.1111 typed with dots", [["card", "4111.1111.1111.1111"]]),
    ("en", "Server 192.168.10.25 is the printer, not a person.", [["ip", "192.168.10.25"]]),
    ("en", "Deployed build 1.2.3.4 to staging.", []),
    ("en", "Serial number 4539 1488 0343 6467 on the router label.", []),
    ("id", "Nomor rekening BCA 1234567890 a.n. Budi", [["id_number", "1234567890"], ["name", "Budi"]]),
    ("en", "Her NRIC s1234567d was written in lowercase.", [["nric", "s1234567d"]]),
    ("en", "Reach +628123456789 on WhatsApp", [["phone", "+628123456789"]]),
    ("en", "Call 555-0142 from the lobby phone.", [["phone", "555-0142"]]),
    ("id", "Tanggal lahir 17-08-1990, domisili Bandung.", []),
    ("en", "The meeting id is 812 3456 7890.", []),
    ("en", "Coordinates 1.3521, 103.8198 for the pickup.", []),
    ("en", "Contact <jane.doe@corp.example> for access.", [["email", "jane.doe@corp.example"]]),
    ("id", "Email:rina.w@pt-maju.id,HP:081298765432", [["email", "rina.w@pt-maju.id"], ["phone", "081298765432"]]),
    ("en", "Visit https://example.com/docs?page=2&lang=en for details.", []),
    ("en", "Callback https://hooks.example.com/cb?user_email=ann%40example.org", [["url", "https://hooks.example.com/cb?user_email=ann%40example.org"]]),
    # Names the context does not announce, or written in a way the patterns do not know.
    ("id", "hi budi, paketnya sudah sampai", [["name", "budi"]]),
    ("id", "ATAS NAMA BUDI SANTOSO", [["name", "BUDI SANTOSO"]]),
    ("en", "Budi called twice about the refund.", [["name", "Budi"]]),
    ("en", "Dear Mr. O'Brien, thanks for the update.", [["name", "O'Brien"]]),
    ("en", "Spoke with Hendra Gunawan and Lina from finance.", [["name", "Hendra Gunawan"], ["name", "Lina"]]),
    ("ms", "Hafizah binti Zainal telah menghantar borang.", [["name", "Hafizah binti Zainal"]]),
    ("en", "Harry Potter is on sale at the bookstore.", []),
    ("en", "Hi Support, the Raffles Hotel booking is confirmed.", []),
    ("id", "Jalan Ahmad Yani ditutup karena banjir.", []),
    ("en", "Tommy Hilfiger and Calvin Klein outlets open at Jewel Changi.", []),
    # Identifiers typed wrongly, glued to their keyword or far from it.
    ("id", "NIK:3174992345678901", [["nik", "3174992345678901"]]),
    ("id", "No.KTP 3174013345678901 (salah)", [["nik", "3174013345678901"]]),
    ("id", "nik3174019945678901", [["nik", "3174019945678901"]]),
    ("en", "The NIK on the form, as the customer typed it, is 3174017745678901.", [["nik", "3174017745678901"]]),
    ("en", "Card number: 4111-1111-1111-1112 (expired)", [["card", "4111-1111-1111-1112"]]),
    ("id", "Rekening Mandiri 1300012345678 atas nama toko.", [["id_number", "1300012345678"]]),
    ("en", "Account ending 6789 was charged.", []),
    ("en", "Order 1234567890123 shipped with card payment.", []),
    # A UK mobile whose last group has six digits; a phone that passes Luhn.
    ("en", "Mobile +44 7700 900062, after 5pm", [["phone", "+44 7700 900062"]]),
    ("en", "Call +62 812-1148-1676 tomorrow", [["phone", "+62 812-1148-1676"]]),
    ("id", "WA +62 812-1148-1676 aktif", [["phone", "+62 812-1148-1676"]]),
]
for lang, text, pii in HARD:
    rows.append({"lang": lang, "text": text, "pii": pii})

for r in rows:
    sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
