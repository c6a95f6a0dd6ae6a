"""Product texts in a language the catalogue lacks: translated once by the language model and stored with the hash
of their source, so an edit of the catalogue brings a new translation. The merchant's own translations always win;
without a model the catalogue's text is shown. A card never waits longer than the model's timeout for one."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from bot.domain.catalog import Product
from bot.domain.questions import ModelUnavailable
from bot.domain.translation import DESCRIPTION, TITLE, faithful, source_hash
from bot.ports import LanguageModel, UnitOfWorkFactory

log = logging.getLogger(__name__)


class ProductTranslator:
    def __init__(
        self, uow: UnitOfWorkFactory, model: LanguageModel | None, *, source_language: str, timeout: float = 8.0
    ) -> None:
        self.uow = uow
        self.model = model
        self.source_language = source_language
        self.timeout = timeout
        # Translations under way in this process, by (product, language, field, source hash): one request each
        # however many buyers open the card meanwhile.
        self._running: dict[tuple[int, str, str, str], asyncio.Task[str | None]] = {}
        self.requests = 0

    async def localize(self, product: Product, language: str) -> Product:
        """`product` with its title and description in `language`: the catalogue's translation, else a stored machine
        translation of the current text, else one made now (within the timeout); else as the catalogue has them."""
        if self.model is None or language == self.source_language:
            return product
        own_title, own_description = product.translations.get(language, ("", ""))
        missing = {}
        if not own_title and product.title:
            missing[TITLE] = product.title
        if not own_description and product.description:
            missing[DESCRIPTION] = product.description
        if not missing:
            return product
        async with self.uow() as uow:
            stored = await uow.translations.product_texts(product.id, language)
        found = {
            row.field: row.text
            for row in stored
            if row.field in missing and row.source_hash == source_hash(missing[row.field])
        }
        pending = {field: text for field, text in missing.items() if field not in found}
        if pending:
            tasks = {field: self._translation(product.id, language, field, text) for field, text in pending.items()}
            await asyncio.wait([asyncio.shield(task) for task in tasks.values()], timeout=self.timeout)
            for field, task in tasks.items():
                if task.done() and not task.cancelled() and task.result() is not None:
                    found[field] = task.result()  # type: ignore[assignment]
        title = own_title or found.get(TITLE, "")
        description = own_description or found.get(DESCRIPTION, "")
        if not title and not description:
            return product
        return dataclasses.replace(product, translations={**product.translations, language: (title, description)})

    def _translation(self, product_id: int, language: str, field: str, text: str) -> asyncio.Task[str | None]:
        key = (product_id, language, field, source_hash(text))
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(self._translate(key, text))
            self._running[key] = task
            task.add_done_callback(lambda _: self._running.pop(key, None))
        return task

    async def _translate(self, key: tuple[int, str, str, str], text: str) -> str | None:
        assert self.model is not None
        product_id, language, field, hashed = key
        self.requests += 1
        try:
            asked = self.model.translate(text, self.source_language, language)
            translated = await asyncio.wait_for(asked, self.timeout)
        except (ModelUnavailable, TimeoutError) as failure:
            log.warning("no translation of product %s %s into %s: %s", product_id, field, language, failure)
            return None
        if not faithful(text, translated):
            log.warning("translation of product %s %s into %s refused: %r", product_id, field, language, translated)
            return None
        async with self.uow() as uow:
            await uow.translations.save_product_text(product_id, language, field, hashed, translated)
            await uow.commit()
        return translated
