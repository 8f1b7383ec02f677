"""Information pages: edit in Markdown with a preview, read and restore earlier revisions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from blog.rendering import render_markdown
from shop.admin import bp
from shop.admin.auth import web_actor
from shop.admin.pages import InvalidPage, StalePage, restore, revision_of, save_page, snapshot
from shop.domain.placeholders import fill
from shop.pages.models import PageRevision, ShopPage
from shop.pages.placeholders import html_values, placeholders
from shop.pages.queries import all_pages, page_by_slug
from shop.web import now


def _page_or_404(slug: str) -> ShopPage:
    page = page_by_slug(slug)
    if page is None:
        abort(404, "There is no such page.")
    return page


def _revision_or_404(slug: str, number: int) -> tuple[ShopPage, PageRevision]:
    page = _page_or_404(slug)
    revision = revision_of(page, number)
    if revision is None:
        abort(404, "That page has no such revision.")
    return page, revision


def _based_on() -> int:
    """The revision the editor's form was opened at."""
    text = request.form.get("based_on", "")
    if not text.isdigit() or len(text) > 9:
        abort(400, "The form is missing the revision it was opened at.")
    return int(text)


def _preview(markdown: str) -> Markup:
    """Markdown as visitors will see it: sanitised, then its placeholders filled."""
    return Markup(fill(render_markdown(markdown), html_values()))


def _form(page: ShopPage, fields: dict, based_on: int, errors: dict | None = None,
          notice: str = "", status: int = 200):
    return render_template(
        "admin/pages/form.html", page=page, values=fields, based_on=based_on,
        errors=errors or {}, notice=notice, preview=_preview(fields.get("body_markdown", "")),
        placeholders=placeholders().values(),
    ), status


@bp.get("/pages/")
def pages():
    """Every information page, with its revision and last editor."""
    return render_template("admin/pages/list.html", pages=all_pages())


@bp.route("/pages/<slug>", methods=["GET", "POST"])
def page_edit(slug: str):
    """Edit a page; Preview shows the change with the figures filled in, without saving."""
    page = _page_or_404(slug)
    if request.method == "GET":
        return _form(page, snapshot(page), page.revision)
    fields = {name: request.form.get(name, "") for name in snapshot(page)}
    based_on = _based_on()
    if request.form.get("action") == "preview":
        return _form(page, fields, based_on)
    try:
        saved = save_page(page, fields, based_on, web_actor(), now())
    except InvalidPage as exc:
        return _form(page, fields, based_on, exc.errors, status=422)
    except StalePage as exc:
        return _form(page, fields, based_on,
                     notice=f"Nothing was saved: {exc} Your text is below; compare it with "
                            "the page's history, then save again.", status=409)
    if saved is None:
        flash("Nothing changed, so no new revision was saved.", "success")
    else:
        flash(f"“{page.title}” was saved as revision {saved.number}.", "success")
    return redirect(url_for("admin.page_edit", slug=page.slug), 303)


@bp.get("/pages/<slug>/revisions/<int:number>")
def page_revision(slug: str, number: int):
    """An earlier revision's text, as it was saved and as it would look."""
    page, revision = _revision_or_404(slug, number)
    return render_template("admin/pages/revision.html", page=page, revision=revision,
                           preview=_preview(revision.body_markdown))


@bp.post("/pages/<slug>/revisions/<int:number>/restore")
def page_restore(slug: str, number: int):
    """Make an earlier revision the page's text again (as a new revision)."""
    page, revision = _revision_or_404(slug, number)
    try:
        saved = restore(page, revision, _based_on(), web_actor(), now())
    except (InvalidPage, StalePage) as exc:
        flash(f"Revision {number} was not restored: {exc}", "error")
        return redirect(url_for("admin.page_revision", slug=slug, number=number), 303)
    if saved is None:
        flash(f"Revision {number} is the same as the current text.", "success")
    else:
        flash(f"Revision {number} was restored as revision {saved.number}.", "success")
    return redirect(url_for("admin.page_edit", slug=slug), 303)
