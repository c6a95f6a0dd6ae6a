"""What a question asks, read from its words in the language it is written in: price, availability (sizes,
colours, stock), shipping, material, description, payment methods.

Deterministic: each language has a few cues per intent, separated by commas. A cue ending in `*` is a stem
(`доставк*` finds доставка, доставку, доставки); others match as whole words. In languages written without
spaces (Chinese, Japanese) or gluing particles to words (Korean, Arabic), cues match anywhere in the text. A long
Latin or Cyrillic word one typo away from a cue matches it too (`avalable`, `shiping`). When the question's own
language has no cue, every other language's cues are tried (a German word in an English sentence). A country named
in the question makes it a shipping question. Where several intents match, the first in `PRIORITY` wins: "how much
is shipping" is about shipping, "how much is the M" about the price.

Add a language: one entry per intent in `CUES` below, and its unspaced or gluing nature in `SUBSTRING_LANGUAGES`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz, process

from bot.domain.product_match import fold
from bot.domain.questions import Intent

PRIORITY = (
    Intent.SHIPPING,
    Intent.PAYMENT_METHODS,
    Intent.PRICE,
    Intent.MATERIAL,
    Intent.AVAILABILITY,
    Intent.DESCRIPTION,
)
SUBSTRING_LANGUAGES = frozenset({"zh", "ja", "ko", "ar"})
# A typed word matches a cue this similar (rapidfuzz ratio), for cues of at least TYPO_LENGTH letters.
TYPO_SIMILARITY = 85
TYPO_LENGTH = 6

CUES: Mapping[str, Mapping[Intent, str]] = {
    "en": {
        Intent.PRICE: "price*, cost*, how much, expensive, cheap, pricey",
        Intent.AVAILABILITY: (
            "stock, available, availability, size*, colour*, color*, left, sold out, have any, do you have, variant*"
        ),
        Intent.SHIPPING: "ship*, deliver*, send*, post to, postage",
        Intent.MATERIAL: "material*, made of, fabric, cotton, silk, leather, wool, linen, cashmere, polyester, viscose",
        Intent.DESCRIPTION: "describe, description, tell me about, details, detail, what is, dimension*, how big",
        Intent.PAYMENT_METHODS: "pay, paying, payment*, card*, paypal, apple pay, google pay",
    },
    "de": {
        Intent.PRICE: "preis*, kostet, kosten, wie viel, wieviel, teuer, günstig",
        Intent.AVAILABILITY: (
            "verfügbar*, vorrätig, lager*, größe*, grösse*, farbe*, gibt es, habt ihr, haben sie, "
            "noch da, ausverkauft, variante*"
        ),
        Intent.SHIPPING: "versand*, versend*, verschick*, liefer*, schick*, porto",
        Intent.MATERIAL: "material*, stoff, woraus, aus was, baumwolle, seide, leder, wolle, leinen, kaschmir, viskose",
        Intent.DESCRIPTION: "beschreibung*, details, erzähl*, mehr über, was ist, wie groß",
        Intent.PAYMENT_METHODS: "bezahl*, zahl*, karte*, kreditkarte*, überweisung*, paypal",
    },
    "fr": {
        Intent.PRICE: "prix, coût*, coute*, combien, cher, chère, tarif*",
        Intent.AVAILABILITY: (
            "disponible*, dispo, stock, taille*, couleur*, reste*, épuisé*, avez-vous, vous avez, il y a, variante*"
        ),
        Intent.SHIPPING: "livr*, expédi*, envoi*, envoy*, frais de port",
        Intent.MATERIAL: "matière*, matériau*, tissu*, en quoi, coton, soie, cuir, laine, lin, cachemire, viscose",
        Intent.DESCRIPTION: "description*, détail*, parlez-moi, c'est quoi, dimension*",
        Intent.PAYMENT_METHODS: "payer, paie*, paye*, paiement*, carte*, virement*, paypal",
    },
    "es": {
        Intent.PRICE: "precio*, cuesta*, cuánto, vale, caro, cara",
        Intent.AVAILABILITY: "disponible*, stock, talla*, color*, queda*, agotad*, tienen, hay, existencia*, variante*",
        Intent.SHIPPING: "envío*, enví*, mand*, entreg*, despach*",
        Intent.MATERIAL: "material*, tela, de qué, algodón, seda, cuero, piel, lana, lino, cachemir, viscosa",
        Intent.DESCRIPTION: "descripción*, detalle*, qué es, cuéntame, medida*",
        Intent.PAYMENT_METHODS: "pagar, pago*, paga*, tarjeta*, transferencia*, paypal",
    },
    "it": {
        Intent.PRICE: "prezzo*, prezzi, costa*, costano, quanto, caro, cara",
        Intent.AVAILABILITY: "disponibil*, taglia*, taglie, colore*, colori, c'è, avete, esaurit*, magazzino, variant*",
        Intent.SHIPPING: "spedi*, consegn*, invia*, inviate, mandate",
        Intent.MATERIAL: "material*, tessuto, di cosa, cotone, seta, pelle, lana, lino, cashmere, viscosa",
        Intent.DESCRIPTION: "descrizione*, dettagli*, cos'è, com'è, misur*",
        Intent.PAYMENT_METHODS: "pagare, pagament*, pago, carta*, bonifico, paypal",
    },
    "pt": {
        Intent.PRICE: "preço*, custa*, quanto, valor, caro, cara",
        Intent.AVAILABILITY: "disponív*, estoque, stock, tamanho*, cor, cores, tem, têm, esgotad*, variante*",
        Intent.SHIPPING: "envi*, entreg*, frete, mand*, remet*",
        Intent.MATERIAL: "material*, tecido, feito de, algodão, seda, couro, pele, lã, linho, caxemira, viscose",
        Intent.DESCRIPTION: "descrição*, detalhe*, o que é, fale, medida*",
        Intent.PAYMENT_METHODS: "pagar, pagamento*, pago, cartão*, pix, boleto, paypal",
    },
    "ru": {
        Intent.PRICE: "цен*, стоит*, стоимост*, сколько, почём, дорог*, дешев*",
        Intent.AVAILABILITY: "есть, налич*, размер*, цвет*, остал*, распрода*, доступ*, вариант*",
        Intent.SHIPPING: "доставк*, достав*, отправ*, пришл*, присыла*, шлёте, посылк*, почт*",
        Intent.MATERIAL: "материал*, ткан*, из чего, состав*, хлоп*, шёлк*, шелк*, кож*, шерст*, лён, льнян*",
        Intent.DESCRIPTION: "описан*, подробн*, расскаж*, что это",
        Intent.PAYMENT_METHODS: "оплат*, заплат*, карт*, перевод*",
    },
    "zh": {
        Intent.PRICE: "多少钱, 价格, 价钱, 价位, 售价, 几块, 钱, 贵",
        Intent.AVAILABILITY: "有货, 有没有, 库存, 现货, 尺码, 尺寸, 号, 码, 颜色, 还有, 售罄, 卖完, 没货",
        Intent.SHIPPING: "寄, 运费, 发货, 配送, 送到, 运到, 快递, 邮费",
        Intent.MATERIAL: "材质, 面料, 材料, 什么做的, 棉, 丝, 皮, 羊毛",
        Intent.DESCRIPTION: "介绍, 描述, 详情, 是什么, 说明",
        Intent.PAYMENT_METHODS: "付款, 支付, 付钱, 信用卡, 银行卡, 微信, 支付宝",
    },
    "ja": {
        Intent.PRICE: "いくら, 値段, 価格, 料金",
        Intent.AVAILABILITY: "在庫, サイズ, 色, カラー, あります, 売り切れ, 品切れ",
        Intent.SHIPPING: "発送, 配送, 送料, 届け, 送って, 送れ, 送る",
        Intent.MATERIAL: "素材, 材質, 生地, 綿, シルク, 革, ウール",
        Intent.DESCRIPTION: "説明, 詳細, 詳しく",
        Intent.PAYMENT_METHODS: "支払, 決済, カード, 払",
    },
    "ko": {
        Intent.PRICE: "얼마, 가격, 값, 비싸",
        Intent.AVAILABILITY: "재고, 사이즈, 크기, 색상, 색깔, 있나요, 있어요, 있습니까, 품절",
        Intent.SHIPPING: "배송, 배달, 택배, 보내",
        Intent.MATERIAL: "소재, 재질, 원단, 실크, 가죽",
        Intent.DESCRIPTION: "설명, 상세, 자세히",
        Intent.PAYMENT_METHODS: "결제, 지불, 카드, 계좌",
    },
    "tr": {
        Intent.PRICE: "fiyat*, kaç para, ne kadar, kaç lira, ücret*, pahalı",
        Intent.AVAILABILITY: "stok*, beden*, renk*, var mı, mevcut*, tükendi, kaldı*",
        Intent.SHIPPING: "kargo*, gönder*, teslimat*, nakliye*, yolla*",
        Intent.MATERIAL: "malzeme*, kumaş*, pamuk*, ipek*, deri*, yün*",
        Intent.DESCRIPTION: "açıklama*, detay*, hakkında, nedir",
        Intent.PAYMENT_METHODS: "ödeme*, öde*, kart*, havale*",
    },
    "ar": {
        Intent.PRICE: "سعر, بكم, ثمن, تكلفة, كم",
        Intent.AVAILABILITY: "متوفر, متاح, مقاس, لون, مخزون, يوجد, نفد",
        Intent.SHIPPING: "شحن, توصيل, ترسل, يشحن",
        Intent.MATERIAL: "خامة, مادة, قماش, قطن, حرير, جلد, صوف",
        Intent.DESCRIPTION: "وصف, تفاصيل, معلومات",
        Intent.PAYMENT_METHODS: "دفع, بطاقة",
    },
}


def read_intent(
    text: str, language: str, country_named: bool = False, excluded: frozenset[Intent] = frozenset()
) -> Intent:
    """The intent of a question in `language`, its product names already taken out (`silk` in "Silk scarf"
    names a product, not a material); never one of `excluded`."""
    folded = fold(text)
    found = _matches(folded, _base(language))
    if not found:
        for other in CUES:
            if other != _base(language):
                found |= _matches(folded, other)
    if country_named:
        found.add(Intent.SHIPPING)
    return next((intent for intent in PRIORITY if intent in found and intent not in excluded), Intent.UNKNOWN)


def _matches(folded: str, language: str) -> set[Intent]:
    cues = _compiled(language)
    if cues is None:
        return set()
    patterns, typo_words = cues
    found = {intent for intent, pattern in patterns.items() if pattern.search(folded)}
    if typo_words:
        for word in re.findall(r"\w+", folded):
            if len(word) >= TYPO_LENGTH - 1:
                hit = process.extractOne(word, list(typo_words), scorer=fuzz.ratio, score_cutoff=TYPO_SIMILARITY)
                if hit is not None:
                    found.add(typo_words[hit[0]])
    return found


@functools.cache
def _compiled(language: str) -> tuple[dict[Intent, re.Pattern[str]], dict[str, Intent]] | None:
    table = CUES.get(language)
    if table is None:
        return None
    substring = language in SUBSTRING_LANGUAGES
    patterns: dict[Intent, re.Pattern[str]] = {}
    typo_words: dict[str, Intent] = {}
    for intent, spec in table.items():
        alternatives = []
        for cue in _cues(spec):
            stem = cue.endswith("*")
            word = fold(cue.rstrip("*"))
            if substring:
                alternatives.append(re.escape(word))
            else:
                alternatives.append(r"(?<!\w)" + re.escape(word) + (r"" if stem else r"(?!\w)"))
                if not stem and " " not in word and len(word) >= TYPO_LENGTH:
                    typo_words.setdefault(word, intent)
        patterns[intent] = re.compile("|".join(alternatives))
    return patterns, typo_words


def _cues(spec: str) -> Sequence[str]:
    return [cue.strip() for cue in spec.split(",") if cue.strip()]


def _base(language: str) -> str:
    """`pt-br` reads Portuguese cues, `zh-tw` Chinese ones."""
    return re.split(r"[-_]", language.lower())[0]
