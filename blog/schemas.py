"""A post's shapes, as the admin API of SPEC §2 reads and writes them and the admin form sends.

`PostUpdate` checks any subset of the fields, `PostCreate` also requires the title; both refuse
unknown fields but accept (and ignore) what `Post` answers and nobody sets, so a post read from
the API can be sent back unchanged.
"""

from __future__ import annotations

from typing import Annotated, Self

from flask import url_for
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, computed_field

from blog.models import Post as PostRow
from shop.domain.fields import NAMEABLE, Ignored, Input, Instant, Timestamp, slug, text

MAX_BODY = 200_000
MAX_TAGS = 10
MAX_PRODUCTS = 8

#: A tag's name: something a tag slug can be made from.
TagName = text(80, pattern=NAMEABLE,
               refusal="is not a usable tag name: it needs a letter or digit.")


def _distinct(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


Title = text(200, pattern=NAMEABLE)
PostSlug = slug(160, made_from="title")
Markdown = text(MAX_BODY, strip=False)
Excerpt = text(500)
Author = text(120)
Tags = Annotated[list[TagName], Field(max_length=MAX_TAGS)]
ProductSlugs = Annotated[list[Annotated[str, Field(max_length=120)]],
                        Field(max_length=MAX_PRODUCTS), AfterValidator(_distinct)]


class PostUpdate(Input):
    """Any of a post's fields; what is not sent keeps its value."""

    title: Title = None
    slug: PostSlug = None
    body_markdown: Markdown = None
    excerpt: Excerpt = Field(None, description="Empty: the body's opening paragraph.")
    published: bool = None
    author: Author = None
    published_at: Instant | None = None
    tags: Tags = None
    products: ProductSlugs = Field(None, description="Slugs of recommended products.")
    url: Ignored
    updated_at: Ignored


class PostCreate(PostUpdate):
    """A new post: the title is required; it is a draft unless `published` is true."""

    title: Title


class Post(BaseModel):
    """A post as the admin API answers it."""

    model_config = ConfigDict(from_attributes=True)

    title: str
    slug: str
    body_markdown: str
    published: bool
    excerpt: str
    author: str
    published_at: Timestamp | None = Field(description="Set when first published.")
    updated_at: Timestamp | None
    tags: Annotated[list[str], BeforeValidator(lambda tags: [tag.name for tag in tags])]
    products: Annotated[list[str], BeforeValidator(lambda items: [item.slug for item in items])]

    @computed_field(description="The post's page (404 while a draft).")
    @property
    def url(self) -> str:
        """The post's page."""
        return url_for("blog.post", slug=self.slug, _external=True)

    @classmethod
    def of(cls, post: PostRow) -> Self:
        """The API's view of a stored post."""
        return cls.model_validate(post)
