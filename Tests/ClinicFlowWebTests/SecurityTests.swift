import ClinicFlowDomain
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import Testing
import Vapor
import VaporTesting

/// Security headers on every answer, rate limits per address, per token and for webhooks, and CORS
/// only for the origins the operator lists.
@Suite struct SecurityTests {
    @Test func everyAnswerCarriesTheSecurityHeadersAndAPIAnswersAreNotCached() async throws {
        try await withAPI(.sqlite) { bed in
            let tester = try bed.app.testing()
            for (path, cached) in [("/live", true), ("/api/v1/clinics", false), ("/api/v1/nothing-here", false), ("/login", true), ("/hooks/meta/\(UUID())", true)] {
                let response = try await tester.sendRequest(path.hasPrefix("/hooks") ? .POST : .GET, path)
                #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(path)")
                #expect(response.headers.first(name: "X-Frame-Options") == "DENY", "\(path)")
                #expect(response.headers.first(name: "Referrer-Policy") == "no-referrer", "\(path)")
                if !cached { #expect(response.headers.first(name: .cacheControl) == "no-store", "\(path)") }
                #expect(response.headers.first(name: "Strict-Transport-Security") == nil, "no HSTS without an https public URL")
            }
        }
    }

    @Test func aFloodFromOneAddressIsThrottledButHealthChecksAreNot() async throws {
        try await withApp(.sqlite, environment: ["CLINICFLOW_RATE_LIMIT_PER_MINUTE": "5"]) { app, _ in
            let tester = try app.testing()
            for _ in 0..<5 { #expect(try await tester.sendRequest(.GET, "/api/v1/clinics").status == .unauthorized) }
            let limited = try await tester.sendRequest(.GET, "/api/v1/clinics")
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0 >= 1)
            #expect(try limited.json()["reason"] as? String == "more than 5 requests from this address a minute; retry after \(limited.headers.first(name: "Retry-After")!) s")
            #expect(try await tester.sendRequest(.GET, "/live").status == .ok)
        }
    }

    @Test func behindATrustedProxyEachClientHasItsOwnBudget() async throws {
        try await withApp(.sqlite, environment: ["CLINICFLOW_RATE_LIMIT_PER_MINUTE": "2", "CLINICFLOW_TRUST_FORWARDED_FOR": "true"]) { app, _ in
            let tester = try app.testing()
            func call(from client: String) async throws -> HTTPStatus {
                try await tester.sendRequest(.GET, "/api/v1/clinics", headers: ["X-Forwarded-For": "\(client), 10.0.0.1"]).status
            }
            for _ in 0..<2 { #expect(try await call(from: "203.0.113.7") == .unauthorized) }
            #expect(try await call(from: "203.0.113.7") == .tooManyRequests)
            #expect(try await call(from: "198.51.100.9") == .unauthorized, "another client behind the same proxy")
        }
    }

    @Test func aTokenIsThrottledOnItsOwnAndWebhooksHaveTheirBudget() async throws {
        try await withApp(.sqlite, environment: ["CLINICFLOW_TOKEN_RATE_LIMIT_PER_MINUTE": "3", "CLINICFLOW_WEBHOOK_RATE_LIMIT_PER_MINUTE": "2"]) { app, _ in
            let tester = try app.testing()
            func call(_ token: String) async throws -> HTTPStatus {
                var headers = HTTPHeaders()
                headers.bearerAuthorization = BearerAuthorization(token: token)
                return try await tester.sendRequest(.GET, "/api/v1/clinics", headers: headers).status
            }
            for _ in 0..<3 { #expect(try await call("leaked-token") == .unauthorized) }
            #expect(try await call("leaked-token") == .tooManyRequests)
            #expect(try await call("another-token") == .unauthorized, "other callers are not affected")
            let hook = "/hooks/meta/\(UUID())"
            for _ in 0..<2 { #expect(try await tester.sendRequest(.POST, hook).status == .notFound) }
            #expect(try await tester.sendRequest(.POST, hook).status == .tooManyRequests)
        }
    }

    @Test func corsIsAllowedOnlyForTheConfiguredOriginsAndOnlyOnTheAPI() async throws {
        try await withApp(.sqlite, environment: ["CLINICFLOW_CORS_ORIGINS": "https://app.example.com, https://admin.example.com"]) { app, _ in
            let tester = try app.testing()
            func preflight(_ path: String, origin: String) async throws -> TestingHTTPResponse {
                try await tester.sendRequest(.OPTIONS, path, headers: ["Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"])
            }
            let allowed = try await preflight("/api/v1/auth/login", origin: "https://admin.example.com")
            #expect(allowed.headers.first(name: "Access-Control-Allow-Origin") == "https://admin.example.com")
            #expect(allowed.headers.first(name: "Access-Control-Allow-Headers")?.lowercased().contains("idempotency-key") == true)
            let other = try await preflight("/api/v1/auth/login", origin: "https://evil.example")
            #expect(other.headers.first(name: "Access-Control-Allow-Origin") != "https://evil.example")
            let console = try await preflight("/login", origin: "https://admin.example.com")
            #expect(console.headers.first(name: "Access-Control-Allow-Origin") == nil, "the console is same-origin only")
        }
        #expect(throws: ConfigError.self) {
            try ConfigLoader.load(environment: ["CLINICFLOW_CORS_ORIGINS": "app.example.com"], fileText: nil, persistDevelopmentSecrets: false)
        }
    }
}
