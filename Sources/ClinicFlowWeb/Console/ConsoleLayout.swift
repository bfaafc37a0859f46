import ClinicFlowDomain
import Foundation

/// The page around every console view: navigation for the user's role, the clinic switcher, and the
/// CSRF token the scripts send with every change.
struct ConsoleLayout {
    var title: String
    var user: User
    var clinic: Clinic?
    var clinics: [Clinic]
    var csrf: String
    var section: String

    func page(_ body: HTML) -> HTML {
        var links: [(String, String, String)] = clinic.map { clinic in
            [("pipeline", "Pipeline", "/clinics/\(clinic.id.lowercased)/pipeline"), ("conversations", "Conversations", "/clinics/\(clinic.id.lowercased)/conversations"),
             ("dashboard", "Dashboard", "/clinics/\(clinic.id.lowercased)/dashboard")]
        } ?? []
        if let clinic, user.role >= .clinicAdmin {
            links.append(("settings", "Settings", "/clinics/\(clinic.id.lowercased)/settings"))
            links.append(("dead-letters", "Dead letters", "/clinics/\(clinic.id.lowercased)/dead-letters"))
        }
        let nav: [HTML] = links.map { key, label, href in
            key == section ? "<a href=\"\(href)\" aria-current=\"page\">\(label)</a>" : "<a href=\"\(href)\">\(label)</a>"
        }
        let switcher: HTML = clinics.count > 1 ? """
            <form method="get" action="/switch" class="switcher"><label for="clinic-switch" class="visually-hidden">Clinic</label>
            <select id="clinic-switch" name="clinic" onchange="this.form.submit()">\(clinics.map { option($0) })</select><noscript><button>Go</button></noscript></form>
            """ : HTML(raw: "<span class=\"clinic-name\">\(HTML.escape(clinic?.name ?? ""))</span>")
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="csrf-token" content="\(csrf)">
            <title>\(title) · ClinicFlow</title>
            <link rel="stylesheet" href="/console/assets/console.css">
            <script src="/console/assets/console.js" defer></script>
            </head>
            <body>
            <header class="top">
            <a class="brand" href="/">ClinicFlow</a>
            \(switcher)
            <nav aria-label="Main">\(nav)</nav>
            <form method="post" action="/logout" class="logout"><input type="hidden" name="\(ConsoleSession.csrfField)" value="\(csrf)">
            <span class="who">\(user.name) · \(user.role.rawValue.replacingOccurrences(of: "_", with: " "))</span> <button type="submit">Sign out</button></form>
            </header>
            <main id="main">
            \(body)
            </main>
            </body>
            </html>
            """
    }

    private func option(_ option: Clinic) -> HTML {
        option.id == clinic?.id
            ? "<option value=\"\(option.id.lowercased)\" selected>\(option.name)</option>"
            : "<option value=\"\(option.id.lowercased)\">\(option.name)</option>"
    }

    static func signIn(error: String?, email: String, csrf: String, next: String) -> HTML {
        let message: HTML = error.map { "<p class=\"error\" role=\"alert\">\($0)</p>" } ?? ""
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · ClinicFlow</title>
            <link rel="stylesheet" href="/console/assets/console.css">
            </head>
            <body class="signin">
            <main>
            <h1>ClinicFlow</h1>
            \(message)
            <form method="post" action="/login">
            <input type="hidden" name="\(ConsoleSession.csrfField)" value="\(csrf)">
            <input type="hidden" name="next" value="\(next)">
            <label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="username" required value="\(email)">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button>
            </form>
            </main>
            </body>
            </html>
            """
    }
}

extension UUID {
    var lowercased: String { text(lowercase: true) }
}
