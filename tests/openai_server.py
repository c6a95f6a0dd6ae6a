"""An OpenAI-compatible chat server on loopback for the tests: POST /v1/chat/completions, as Ollama, vLLM or OpenAI
answer it, in one of several behaviours (`mode`) a test sets, counting every request.

GOOD answers from the facts the bot put in its prompt (between <facts> and </facts>), in the language the prompt asks
for; LYING says the same with an invented price and stock count; WRONG_LANGUAGE answers well in another language;
HANG never answers (until the server closes); ERROR is HTTP 500; GARBAGE a body that is not JSON; BROKEN_JSON a body
announced as JSON that is not; EMPTY a completion without choices. Translation requests get the text marked with the
target language ("«de» ..."), or what `translations` holds for it."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiohttp import web

API_KEY = "sk-livesell-fake"
MODEL = "fake-mini"
FACTS = re.compile(r"<facts>\s*(\{.*\})\s*</facts>", re.DOTALL)
LANGUAGE = re.compile(r"\(language code ([A-Za-z_-]+)\)")
TRANSLATE = re.compile(r"^Translate the user's message from .*? \(([A-Za-z_-]+)\) into .*? \(([A-Za-z_-]+)\)")


class Mode(StrEnum):
    GOOD = "good"
    LYING = "lying"
    WRONG_LANGUAGE = "wrong_language"
    HANG = "hang"
    ERROR = "error"
    GARBAGE = "garbage"
    BROKEN_JSON = "broken_json"
    EMPTY = "empty"


# Sentences a good shop assistant says, per language: long enough that a language detector knows the language.
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "price": "The {title} costs {price}, and you can add it to your cart right here.",
        "in_stock": "The {variant} version is in stock, so you can order it now.",
        "units": "There are {units} pieces of the {variant} version left.",
        "sold_out": "I am sorry, the {variant} version is sold out at the moment.",
        "ships": "Yes, we deliver the {title} to {country} for {fee}.",
        "no_ship": "I am sorry, we cannot deliver the {title} to {country}.",
        "about": "Here is what the shop says about the {title}: {description}",
        "pay": "You can pay with the following methods: {methods}.",
        "unknown": "I am not sure about that, so I will ask the shop for you.",
    },
    "es": {
        "price": "El producto {title} cuesta {price} y puedes añadirlo a tu carrito aquí mismo.",
        "in_stock": "La versión {variant} está disponible, así que puedes pedirla ahora.",
        "units": "Quedan {units} unidades de la versión {variant}.",
        "sold_out": "Lo siento, la versión {variant} está agotada en este momento.",
        "ships": "Sí, enviamos el producto {title} a {country} por {fee}.",
        "no_ship": "Lo siento, no podemos enviar el producto {title} a {country}.",
        "about": "Esto es lo que dice la tienda sobre el producto {title}: {description}",
        "pay": "Puedes pagar con los siguientes métodos: {methods}.",
        "unknown": "No estoy seguro de eso, así que se lo preguntaré a la tienda por ti.",
    },
    "de": {
        "price": "Der Artikel {title} kostet {price}, und du kannst ihn gleich hier in deinen Warenkorb legen.",
        "in_stock": "Die Variante {variant} ist auf Lager, du kannst sie also jetzt bestellen.",
        "units": "Von der Variante {variant} sind noch {units} Stück übrig.",
        "sold_out": "Leider ist die Variante {variant} im Moment ausverkauft.",
        "ships": "Ja, wir liefern den Artikel {title} nach {country} für {fee}.",
        "no_ship": "Leider können wir den Artikel {title} nicht nach {country} liefern.",
        "about": "Das sagt der Shop über den Artikel {title}: {description}",
        "pay": "Du kannst mit diesen Zahlungsarten bezahlen: {methods}.",
        "unknown": "Da bin ich mir nicht sicher, deshalb frage ich den Shop für dich.",
    },
    "fr": {
        "price": "L'article {title} coûte {price}, et vous pouvez l'ajouter à votre panier dès maintenant.",
        "in_stock": "La version {variant} est en stock, vous pouvez donc la commander maintenant.",
        "units": "Il reste {units} pièces de la version {variant}.",
        "sold_out": "Je suis désolé, la version {variant} est épuisée pour le moment.",
        "ships": "Oui, nous livrons l'article {title} vers {country} pour {fee}.",
        "no_ship": "Je suis désolé, nous ne pouvons pas livrer l'article {title} vers {country}.",
        "about": "Voici ce que la boutique dit de l'article {title} : {description}",
        "pay": "Vous pouvez payer avec les moyens suivants : {methods}.",
        "unknown": "Je ne suis pas sûr de cela, je vais donc demander à la boutique pour vous.",
    },
    "it": {
        "price": "L'articolo {title} costa {price} e puoi aggiungerlo al tuo carrello proprio qui.",
        "in_stock": "La versione {variant} è disponibile, quindi puoi ordinarla adesso.",
        "units": "Sono rimasti {units} pezzi della versione {variant}.",
        "sold_out": "Mi dispiace, la versione {variant} è esaurita in questo momento.",
        "ships": "Sì, spediamo l'articolo {title} in {country} per {fee}.",
        "no_ship": "Mi dispiace, non possiamo spedire l'articolo {title} in {country}.",
        "about": "Ecco cosa dice il negozio dell'articolo {title}: {description}",
        "pay": "Puoi pagare con questi metodi: {methods}.",
        "unknown": "Non ne sono sicuro, quindi lo chiederò al negozio per te.",
    },
    "pt": {
        "price": "O artigo {title} custa {price} e você pode adicioná-lo ao seu carrinho aqui mesmo.",
        "in_stock": "A versão {variant} está disponível, então você pode encomendá-la agora.",
        "units": "Restam {units} unidades da versão {variant}.",
        "sold_out": "Desculpe, a versão {variant} está esgotada neste momento.",
        "ships": "Sim, enviamos o artigo {title} para {country} por {fee}.",
        "no_ship": "Desculpe, não conseguimos enviar o artigo {title} para {country}.",
        "about": "Isto é o que a loja diz sobre o artigo {title}: {description}",
        "pay": "Você pode pagar com os seguintes métodos: {methods}.",
        "unknown": "Não tenho certeza disso, então vou perguntar à loja por você.",
    },
    "ru": {
        "price": "Товар {title} стоит {price}, и вы можете добавить его в корзину прямо здесь.",
        "in_stock": "Вариант {variant} есть в наличии, так что его можно заказать сейчас.",
        "units": "Осталось {units} штук варианта {variant}.",
        "sold_out": "К сожалению, вариант {variant} сейчас распродан.",
        "ships": "Да, мы доставляем товар {title} в страну {country} за {fee}.",
        "no_ship": "К сожалению, мы не можем доставить товар {title} в страну {country}.",
        "about": "Вот что магазин пишет о товаре {title}: {description}",
        "pay": "Оплатить можно следующими способами: {methods}.",
        "unknown": "Я в этом не уверен, поэтому спрошу магазин за вас.",
    },
    "zh": {
        "price": "{title}的价格是{price}，您可以直接在这里把它加入购物车。",
        "in_stock": "{variant}款有货，您现在就可以下单。",
        "units": "{variant}款还剩{units}件。",
        "sold_out": "很抱歉，{variant}款目前已经售罄。",
        "ships": "可以，我们把{title}寄到{country}，运费是{fee}。",
        "no_ship": "很抱歉，我们无法把{title}寄到{country}。",
        "about": "商店对{title}的介绍如下：{description}",
        "pay": "您可以使用以下方式付款：{methods}。",
        "unknown": "这个问题我不太确定，我会替您问一下商店。",
    },
    "ja": {
        "price": "{title}の価格は{price}です。ここからそのままカートに入れることができます。",
        "in_stock": "{variant}は在庫がありますので、今すぐご注文いただけます。",
        "units": "{variant}は残り{units}点です。",
        "sold_out": "申し訳ありませんが、{variant}は現在売り切れです。",
        "ships": "はい、{title}は{country}へ{fee}でお届けできます。",
        "no_ship": "申し訳ありませんが、{title}は{country}へはお届けできません。",
        "about": "ショップによる{title}の説明は次のとおりです：{description}",
        "pay": "次の方法でお支払いいただけます：{methods}。",
        "unknown": "その点はわかりかねますので、ショップに確認いたします。",
    },
    "ko": {
        "price": "{title}의 가격은 {price}이며, 여기에서 바로 장바구니에 담으실 수 있습니다.",
        "in_stock": "{variant} 옵션은 재고가 있어서 지금 바로 주문하실 수 있습니다.",
        "units": "{variant} 옵션은 {units}개 남았습니다.",
        "sold_out": "죄송합니다, {variant} 옵션은 현재 품절입니다.",
        "ships": "네, {title}을 {country}(으)로 {fee}에 배송해 드립니다.",
        "no_ship": "죄송합니다, {title}은 {country}(으)로 배송할 수 없습니다.",
        "about": "상점에서 {title}에 대해 설명한 내용입니다: {description}",
        "pay": "다음 방법으로 결제하실 수 있습니다: {methods}.",
        "unknown": "그 부분은 잘 모르겠어서 상점에 대신 물어보겠습니다.",
    },
    "tr": {
        "price": "{title} ürününün fiyatı {price} ve onu hemen buradan sepetinize ekleyebilirsiniz.",
        "in_stock": "{variant} seçeneği stokta var, yani şimdi sipariş verebilirsiniz.",
        "units": "{variant} seçeneğinden {units} adet kaldı.",
        "sold_out": "Üzgünüm, {variant} seçeneği şu anda tükendi.",
        "ships": "Evet, {title} ürününü {country} ülkesine {fee} karşılığında gönderiyoruz.",
        "no_ship": "Üzgünüm, {title} ürününü {country} ülkesine gönderemiyoruz.",
        "about": "Mağazanın {title} hakkında söyledikleri şunlar: {description}",
        "pay": "Şu yöntemlerle ödeme yapabilirsiniz: {methods}.",
        "unknown": "Bundan emin değilim, bu yüzden sizin için mağazaya soracağım.",
    },
    "ar": {
        "price": "سعر المنتج {title} هو {price}، ويمكنك إضافته إلى سلة التسوق من هنا مباشرة.",
        "in_stock": "الخيار {variant} متوفر في المخزون، لذلك يمكنك طلبه الآن.",
        "units": "تبقى {units} قطع من الخيار {variant}.",
        "sold_out": "عذرًا، الخيار {variant} نفد من المخزون حاليًا.",
        "ships": "نعم، نشحن المنتج {title} إلى {country} مقابل {fee}.",
        "no_ship": "عذرًا، لا يمكننا شحن المنتج {title} إلى {country}.",
        "about": "هذا ما يقوله المتجر عن المنتج {title}: {description}",
        "pay": "يمكنك الدفع بالطرق التالية: {methods}.",
        "unknown": "لست متأكدًا من ذلك، لذلك سأسأل المتجر نيابة عنك.",
    },
}
PHRASES["pt-br"] = PHRASES["pt"]


def phrases_for(language: str) -> dict[str, str]:
    code = language.replace("_", "-").lower()
    return PHRASES.get(code) or PHRASES.get(code.split("-")[0]) or PHRASES["en"]


def good_answer(facts: dict[str, Any], language: str) -> str:
    """What a careful model says: the facts the intent asks for, in `language`, figures copied as given."""
    say = phrases_for(language)
    intent = facts.get("intent")
    sentences: list[str] = []
    for product in facts.get("products", ()):
        title = product["title"]
        if intent == "availability":
            for variant in product["variants"]:
                name = variant["name"] or title
                if not variant["in_stock"]:
                    sentences.append(say["sold_out"].format(variant=name))
                elif "units_left" in variant:
                    sentences.append(say["units"].format(variant=name, units=variant["units_left"]))
                else:
                    sentences.append(say["in_stock"].format(variant=name))
        elif intent == "shipping" and product.get("ships_there") is not None:
            country = product["destination_country"]
            if product["ships_there"]:
                sentences.append(say["ships"].format(title=title, fee=product["shipping_fee"], country=country))
            else:
                sentences.append(say["no_ship"].format(title=title, country=country))
        elif intent in ("material", "description") and product.get("description"):
            sentences.append(say["about"].format(title=title, description=product["description"]))
        else:
            priced = [variant for variant in product["variants"] if variant.get("price")]
            if len({variant["price"] for variant in priced}) > 1:  # each variant's own price
                for variant in priced:
                    name = f"{title} {variant['name']}".strip()
                    sentences.append(say["price"].format(title=name, price=variant["price"]))
            else:
                sentences.append(say["price"].format(title=title, price=product["price"]))
    if intent == "payment_methods" and facts.get("payment_methods"):
        sentences.append(say["pay"].format(methods=", ".join(facts["payment_methods"])))
    return " ".join(sentences) or say["unknown"]


def lying_answer(facts: dict[str, Any], language: str) -> str:
    """A careless model: a price the catalogue does not have, and a stock count nobody counted."""
    say = phrases_for(language)
    figures = {int(number) for number in re.findall(r"\d+", json.dumps(facts))}
    invented = next(number for number in range(97, 10_000) if number not in figures)
    products = facts.get("products") or [{"title": "?", "variants": [{"name": "M"}]}]
    product = products[0]
    variant = (product.get("variants") or [{"name": ""}])[0]["name"] or product["title"]
    return " ".join(
        (
            say["price"].format(title=product["title"], price=f"{invented},00 €"),
            say["units"].format(variant=variant, units=invented + 1),
        )
    )


def other_language(language: str) -> str:
    return "de" if language.startswith("en") else "en"


@dataclass
class FakeModel:
    url: str = ""
    mode: Mode = Mode.GOOD
    # Every request as received: the parsed JSON body (or None) and the headers.
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Canned translations: (text, target language) -> translation.
    translations: dict[tuple[str, str], str] = field(default_factory=dict)
    # Canned answers: a function of the question, or None for the mode's own.
    canned: Callable[[str], str | None] | None = None
    # Set when the server closes: HANG requests stop waiting then.
    released: asyncio.Event = field(default_factory=asyncio.Event)
    # Set at each request: a test awaits it rather than sleeping.
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    # Seconds every answer takes (a slow model), before the mode's own behaviour.
    delay: float = 0.0

    @property
    def base_url(self) -> str:
        """What OPENAI_BASE_URL is set to."""
        return f"{self.url}/v1"

    def answers(self) -> list[dict[str, Any]]:
        """The question requests (not translations)."""
        return [body for body in self.requests if body and not self._translation(body)]

    def translation_requests(self) -> list[dict[str, Any]]:
        return [body for body in self.requests if body and self._translation(body)]

    @staticmethod
    def _translation(body: dict[str, Any]) -> re.Match[str] | None:
        return TRANSLATE.match(body["messages"][0]["content"])

    async def complete(self, request: web.Request) -> web.StreamResponse:
        try:
            body: dict[str, Any] | None = await request.json()
        except ValueError:
            body = None
        self.requests.append(body or {})
        self.arrived.set()
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return web.json_response({"error": {"message": "Incorrect API key provided", "type": "auth"}}, status=401)
        if not body or body.get("model") != MODEL or not body.get("messages"):
            return web.json_response({"error": {"message": "bad request", "type": "invalid_request"}}, status=400)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.mode is Mode.HANG:
            await self.released.wait()
            return web.json_response({"error": {"message": "too late"}}, status=504)
        if self.mode is Mode.ERROR:
            error = {"message": "The server had an error while processing your request", "type": "server_error"}
            return web.json_response({"error": error}, status=500)
        if self.mode is Mode.GARBAGE:
            return web.Response(text="<html><body>502 Bad Gateway</body></html>", content_type="text/html")
        if self.mode is Mode.BROKEN_JSON:
            return web.Response(text='{"id": "chatcmpl-1", "choices": [', content_type="application/json")
        if self.mode is Mode.EMPTY:
            return web.json_response(self._completion(None))
        return web.json_response(self._completion(self._reply(body)))

    def _reply(self, body: dict[str, Any]) -> str:
        system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
        translation = TRANSLATE.match(system)
        if translation:
            target = translation.group(2)
            return self.translations.get((user, target), f"«{target}» {user}")
        canned = self.canned(user) if self.canned else None
        if canned is not None:
            return canned
        found, asked = FACTS.search(system), LANGUAGE.search(system)
        assert found is not None and asked is not None, "the prompt carries the facts and the answer's language"
        facts, language = json.loads(found.group(1)), asked.group(1)
        if self.mode is Mode.LYING:
            return lying_answer(facts, language)
        if self.mode is Mode.WRONG_LANGUAGE:
            return good_answer(facts, other_language(language))
        return good_answer(facts, language)

    def _completion(self, text: str | None) -> dict[str, Any]:
        number = len(self.requests)
        choices = [] if text is None else [{"index": 0, "message": {"role": "assistant", "content": text}}]
        for choice in choices:
            choice["finish_reason"] = "stop"
        return {
            "id": f"chatcmpl-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": MODEL,
            "choices": choices,
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        }


@asynccontextmanager
async def fake_model(mode: Mode = Mode.GOOD) -> AsyncIterator[FakeModel]:
    model = FakeModel(mode=mode)
    app = web.Application()
    app.router.add_post("/v1/chat/completions", model.complete)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    model.url = f"http://127.0.0.1:{port}"
    try:
        yield model
    finally:
        model.released.set()
        await runner.cleanup()
