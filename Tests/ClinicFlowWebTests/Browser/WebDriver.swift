import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A small W3C WebDriver client for Chromium's chromedriver, over loopback HTTP: enough to sign in,
/// click, type, run a script and take screenshots in the console's browser tests.
struct WebDriver: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let base: String
    let session: String

    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    /// Chromium and its driver where Debian puts them, or nil when they are not installed.
    static var installed: (browser: String, driver: String)? {
        let browsers = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        let drivers = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        guard let browser = browsers.first(where: FileManager.default.isExecutableFile(atPath:)),
            let driver = drivers.first(where: FileManager.default.isExecutableFile(atPath:))
        else { return nil }
        return (browser, driver)
    }

    static func start(driverURL: String, browser: String) async throws -> WebDriver {
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": ["binary": browser, "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,860", "--lang=en"]],
        ]]]
        let value = try await call(.POST, driverURL + "/session", capabilities)
        guard let session = (value as? [String: Any])?["sessionId"] as? String else { throw Failure(description: "no session: \(String(describing: value))") }
        return WebDriver(base: driverURL, session: session)
    }

    func go(_ url: String) async throws { _ = try await command(.POST, "url", ["url": url]) }

    var url: String { get async throws { try await command(.GET, "url") as? String ?? "" } }

    func element(_ css: String) async throws -> String {
        let value = try await command(.POST, "element", ["using": "css selector", "value": css])
        guard let id = (value as? [String: Any])?[Self.elementKey] as? String else { throw Failure(description: "no element \(css)") }
        return id
    }

    func type(_ css: String, _ text: String) async throws {
        _ = try await command(.POST, "element/\(try await element(css))/value", ["text": text])
    }

    func click(_ css: String) async throws {
        _ = try await command(.POST, "element/\(try await element(css))/click", [:])
    }

    func text(_ css: String) async throws -> String {
        try await command(.GET, "element/\(try await element(css))/text") as? String ?? ""
    }

    @discardableResult
    func script(_ source: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command(.POST, "execute/sync", ["script": source, "args": arguments])
    }

    func screenshot(to path: String) async throws {
        guard let base64 = try await command(.GET, "screenshot") as? String, let data = Data(base64Encoded: base64) else { throw Failure(description: "no screenshot") }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Polls until `condition` holds (the page updates on its own: live feed, fetches).
    func wait(_ what: String, seconds: Double = 10, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "timed out waiting for \(what)")
    }

    func quit() async { _ = try? await Self.call(.DELETE, "\(base)/session/\(session)", nil) }

    private func command(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        try await Self.call(method, "\(base)/session/\(session)/\(path)", body)
    }

    private static func call(_ method: HTTPMethod, _ url: String, _ body: [String: Any]?) async throws -> Any? {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: body))))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 20 << 20)
        let json = try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView), options: [.fragmentsAllowed]) as? [String: Any]
        guard (200..<300).contains(response.status.code) else {
            throw Failure(description: "\(method.rawValue) \(url): \(response.status.code) \(String(describing: (json?["value"] as? [String: Any])?["message"] ?? ""))")
        }
        let value = json?["value"]
        return value is NSNull ? nil : value
    }
}

/// chromedriver on a free loopback port, for one test.
final class ChromeDriverProcess: Sendable {
    let process: Process
    let url: String

    private init(process: Process, url: String) {
        self.process = process
        self.url = url
    }

    /// Starts chromedriver on a free port. Ports come from below Linux's ephemeral range (32768 and
    /// up), where the loopback servers and client sockets of parallel tests take theirs; a port that
    /// is taken anyway makes chromedriver exit, and another is tried.
    static func start(driver: String) async throws -> ChromeDriverProcess {
        var tried: [Int] = []
        for _ in 0..<5 {
            let port = Int.random(in: 20_000..<32_000)
            tried.append(port)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: driver)
            process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let url = "http://127.0.0.1:\(port)"
            // Up to about 20 s: a machine busy with the rest of the suite starts it slowly.
            for _ in 0..<200 where process.isRunning {
                var request = HTTPClientRequest(url: url + "/status")
                request.method = .GET
                if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(1)), response.status == .ok {
                    return ChromeDriverProcess(process: process, url: url)
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                throw WebDriver.Failure(description: "chromedriver on port \(port) did not answer /status")
            }
        }
        throw WebDriver.Failure(description: "chromedriver exited at once on ports \(tried)")
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
    }
}
