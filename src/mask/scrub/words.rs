//! The words `name` finding knows besides the locale dictionaries of
//! person names: greetings and honorifics that announce a name, words that
//! announce a place or a company, and capitalised words that are not names
//! (days, months, cities, brands, products, company and place words,
//! sentence openers). All lowercase, in English, Indonesian and Malay.

/// Honorifics and "name:" words: the capitalised words right after one
/// are taken for a name (if they are not stop words).
pub(super) const TITLES: &str = "\
mr mrs ms miss mdm madam dr prof pak bu ibu bapak bpk sdr sdri saudara saudari encik cik
tuan puan kak kakak mas mbak mba bang abang dik adik datuk dato haji hajah hj nama name";

/// Greetings and sign-offs: the capitalised words after one are a name
/// when there are two of them or one is in a name dictionary (`Hi Budi`,
/// `Dear Slamet Riyadi`, but not `Hi Partner`).
pub(super) const GREETINGS: &str = "\
dear dearest hi hello hey hai halo hallo helo yth attn mister uncle auntie aunty regards
thanks thx cheers sincerely salam kasih makasih tq";

/// Words after which capitalised words are a name only when one of them
/// is in a name dictionary (`by`, `from`, `customer`, `pelanggan`, …).
pub(super) const WEAK_TRIGGERS: &str = "\
by from to with oleh dari kepada untuk dengan bersama cc contact kontak hubungi call ask
tanya pic customer client user member agent driver courier kurir staff officer pelanggan
nasabah pasien patient penerima pengirim recipient sender pemohon applicant tenant penyewa
guest tamu karyawan employee pegawai teknisi technician";

/// Words that make the capitalised words after them a place or a
/// company (`Jl. Gatot Subroto`, `PT Maju Jaya`, `Bukit Timah`).
pub(super) const PLACE_MARKERS: &str = "\
jalan jl jln gang gg lorong lrg blk blok block taman kampung kampong desa kota kabupaten
kab kecamatan kec kelurahan kel pulau gunung bukit tanjong pasir bandar pt cv ud toko
warung bank hotel universitas university sekolah rs rsud rumah masjid gereja stasiun
bandara terminal pasar mall plaza apartemen perumahan komplek kompleks gedung menara wisma
graha kantor dinas kementerian restoran rm cafe kafe klinik apotek museum stadion lapangan
lake mount port";

/// Words that make the capitalised words before them a place or a
/// company (`Marina Bay`, `Beverly Hills`, `Maju Jaya`, `Acme Pte`).
pub(super) const PLACE_SUFFIXES: &str = "\
street st road rd avenue ave lane ln drive way boulevard blvd crescent close walk park bay
mall plaza square sq tower towers building centre center city station airport hospital
hotel resort sands island beach hill hills heights gardens garden court estate residence
residences market university college school institute church mosque temple museum stadium
group holdings company co corp corporation inc ltd limited pte sdn bhd tbk llc foundation
bank capital partners ventures labs studio studios store shop cafe restaurant kitchen
bakery motors airlines airways express logistics pharmacy clinic selatan utara barat timur
tengah pusat raya indah jaya abadi makmur sejahtera sentosa perkasa nusantara indonesia
singapore malaysia mandiri persero";

/// Capitalised words that are not names: days, months, countries and
/// cities, brands and products, sentence openers, roles and departments.
/// (Cities of the locale data are added to these.)
pub(super) const STOP: &str = "\
monday tuesday wednesday thursday friday saturday sunday senin selasa rabu kamis jumat
sabtu minggu isnin khamis ahad january february march april may june july august september
october november december januari februari maret mei juni juli agustus oktober desember
mac julai ogos disember today tomorrow yesterday tonight week month year hari bulan tahun
jam waktu tanggal christmas ramadan lebaran idul natal imlek eid deepavali diwali
indonesia singapore singapura malaysia thailand vietnam philippines china india japan
korea australia america usa england london paris tokyo sydney asia europe kuala lumpur
johor bahru penang ipoh melaka malacca sabah sarawak selangor putrajaya batam bali lombok
jawa java sumatra sumatera kalimantan sulawesi papua aceh riau lampung banten solo
surakarta cirebon orchard changi sentosa bugis novena kallang geylang katong holland timah
mo kio soekarno hatta ngurah juanda apple watch ipad macbook airpods samsung galaxy google
pixel gmail microsoft windows office outlook teams excel word powerpoint android zoom
slack jira confluence github whatsapp telegram instagram facebook meta tiktok youtube
twitter linkedin netflix spotify grab grabfood grabcar gojek gopay goride gofood shopee
shopeepay tokopedia lazada bukalapak blibli traveloka tiket agoda airbnb uber foodpanda
telkom telkomsel indosat ooredoo smartfren axiata singtel starhub maxis celcom digi visa
mastercard amex paypal stripe ovo dana linkaja mandiri niaga permata danamon maybank
citibank standard chartered jenius jago seabank indomaret alfamart alfamidi hypermart
carrefour transmart ikea uniqlo zara nike adidas starbucks mcdonald pizza hut toyota honda
yamaha suzuki daihatsu mitsubishi nissan hyundai tesla mercedes xiaomi redmi oppo vivo
realme huawei lenovo asus acer sony playstation nintendo switch canon nikon panasonic
sharp philips garuda lion air airasia citilink batik scoot ninja lalamove amazon azure
oracle salesforce shopify wordpress chrome firefox safari linux ubuntu pro max plus mini
ultra lite edition premium gold silver platinum basic series model version general mills
burger king the a an this that these those there here it its we our you your they their he
she his her my me us please kindly thank sorry yes no ok okay hope good great best kind
warm morning afternoon evening night pagi siang sore malam selamat terima mohon tolong
harap silakan silahkan maaf terimakasih assalamualaikum wassalam can could would should
shall might must is are was were be been do does did have has had get got let just also
and or but so if when what where who why how all any every each some none both new old
next final re fw fwd subject sent reply note notes update status order orders invoice
ticket case issue bug request refund payment delivery shipping package parcel paket
pesanan tagihan promo voucher discount diskon account card phone email team tim support
admin administrator sir everyone everybody semua guys folks friends teman kawan colleagues
valued manager director service services help helpdesk desk department dept division
finance sales billing marketing legal operations ops security engineering product products
bot system server app application website web online internet wifi portal dashboard login
password saya kami kita anda dia mereka beliau ini itu yang dan atau pada sudah belum akan
bisa tidak ya iya baik oke nanti besok customer nomor alamat address untuk dengan dari ke
di sila boleh christ sister baby queen prince princess unique miracle precious genesis
trinity summer royal noble street jalan mail surel emel call contact reach write send";

/// Cue words written with a full stop (`Mr.`, `Jl.`): only these count
/// over a full stop before a name.
pub(super) const ABBREVIATIONS: &str = "\
mr mrs ms mdm dr prof bpk sdr sdri yth hj attn jl jln gg kab kec kel blk lrg pt cv ud rs";

/// Lowercase words that join the parts of one name (`bin`, `s/o`, `van`).
pub(super) const CONNECTORS: &str = "\
bin binti binte bte s/o d/o a/l a/p van von de";
