// The page template: top bar (menu, book title, search, theme), sidebar table
// of contents, the chapter, previous/next links. Every URL is relative, so the
// site works from file:// and from any static host.
import Foundation

struct NavigationItem {
    var title: String
    var url: String
    var number: String
    var depth: Int
}

struct PageLayout {
    var bookTitle: String
    var navigation: [NavigationItem]
    /// KaTeX's client-side scripts are included only when some math was left to the browser.
    var clientMath: Bool

    func page(title: String, url: String, body: String, previous: NavigationItem?, next: NavigationItem?) -> String {
        let root = String(repeating: "../", count: url.split(separator: "/").count - 1)
        var sidebar = "<ol class=\"toc\">\n"
        sidebar += "<li class=\"depth-0\"><a href=\"\(root)index.html\"\(url == "index.html" ? " class=\"active\" aria-current=\"page\"" : "")>Contents</a></li>\n"
        for item in navigation {
            let active = item.url == url ? " class=\"active\" aria-current=\"page\"" : ""
            sidebar += "<li class=\"depth-\(min(item.depth, 3))\"><a href=\"\(root)\(item.url)\"\(active)><span class=\"toc-number\">\(item.number)</span> \(HTMLText.escape(item.title))</a></li>\n"
        }
        sidebar += "</ol>\n"
        var pager = "<nav class=\"pager\" aria-label=\"Previous and next chapters\">"
        if let previous {
            pager += "<a class=\"pager-previous\" rel=\"prev\" href=\"\(root)\(previous.url)\"><span>Previous</span>\(HTMLText.escape(previous.title))</a>"
        }
        if let next {
            pager += "<a class=\"pager-next\" rel=\"next\" href=\"\(root)\(next.url)\"><span>Next</span>\(HTMLText.escape(next.title))</a>"
        }
        pager += "</nav>"
        let mathScripts = clientMath
            ? "<script src=\"\(root)assets/katex/katex.min.js\"></script>\n<script src=\"\(root)assets/katex/contrib/auto-render.js\"></script>\n"
            : ""
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLText.escape(title)) · \(HTMLText.escape(bookTitle))</title>
        <script>try{var t=localStorage.getItem("tn-theme")||(matchMedia("(prefers-color-scheme: dark)").matches?"dark":"");if(t)document.documentElement.dataset.theme=t;}catch(e){}</script>
        <link rel="stylesheet" href="\(root)assets/katex/katex.min.css">
        <link rel="stylesheet" href="\(root)assets/site.css">
        </head>
        <body data-root="\(root)">
        <a class="skip-link" href="#content">Skip to the text</a>
        <header class="topbar">
        <button class="icon-button menu-toggle" type="button" aria-label="Show or hide the chapters" aria-controls="sidebar">☰</button>
        <a class="book-title" href="\(root)index.html">\(HTMLText.escape(bookTitle))</a>
        <div class="search">
        <input id="search-input" type="search" placeholder="Search" aria-label="Search the chapters" autocomplete="off">
        <ol id="search-results" class="search-results" hidden></ol>
        </div>
        <button class="icon-button theme-toggle" type="button" aria-label="Switch between light and dark">◐</button>
        </header>
        <div class="layout">
        <nav id="sidebar" class="sidebar" aria-label="Chapters">
        \(sidebar)</nav>
        <main id="content" class="content">
        <article>
        \(body)
        </article>
        \(pager)
        </main>
        </div>
        <script src="\(root)assets/search-index.js"></script>
        \(mathScripts)<script src="\(root)assets/site.js"></script>
        </body>
        </html>

        """
    }
}
