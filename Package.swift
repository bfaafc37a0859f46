// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: Domain ← Providers ← Store ← Engine ← Web ← clinicflow.
// Domain stays pure (Foundation only) so the rules can be tested without I/O.
let package = Package(
    name: "ClinicFlow",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "clinicflow", targets: ["clinicflow"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/vapor/jwt.git", from: "5.2.0"),
    ],
    targets: [
        .target(
            name: "ClinicFlowDomain",
            swiftSettings: strict
        ),
        .target(
            name: "ClinicFlowProviders",
            dependencies: [
                "ClinicFlowDomain",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Declarations of the SQLite that SQLiteNIO links in, for the connection that runs statements inline.
        .target(name: "ClinicFlowSQLiteC"),
        .target(
            name: "ClinicFlowStore",
            dependencies: [
                "ClinicFlowDomain",
                "ClinicFlowSQLiteC",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQL", package: "fluent-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "ClinicFlowEngine",
            dependencies: [
                "ClinicFlowDomain",
                "ClinicFlowProviders",
                "ClinicFlowStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "ClinicFlowWeb",
            dependencies: [
                "ClinicFlowDomain",
                "ClinicFlowProviders",
                "ClinicFlowStore",
                "ClinicFlowEngine",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "JWT", package: "jwt"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "clinicflow",
            dependencies: [
                "ClinicFlowWeb",
                "ClinicFlowStore",
                "ClinicFlowProviders",
                "ClinicFlowDomain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
        // Shared fixtures for the test targets: real SQLite files and PostgreSQL schemas, never mocks.
        .target(
            name: "ClinicFlowTestSupport",
            dependencies: ["ClinicFlowStore", .product(name: "Vapor", package: "vapor")],
            path: "Tests/Support",
            swiftSettings: strict
        ),
        .testTarget(name: "ClinicFlowDomainTests", dependencies: ["ClinicFlowDomain"], swiftSettings: strict),
        .testTarget(
            name: "ClinicFlowProvidersTests",
            dependencies: ["ClinicFlowProviders", "ClinicFlowTestSupport", .product(name: "Vapor", package: "vapor")],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ClinicFlowStoreTests",
            dependencies: ["ClinicFlowStore", "ClinicFlowTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ClinicFlowEngineTests",
            dependencies: ["ClinicFlowEngine", "ClinicFlowProviders", "ClinicFlowTestSupport", .product(name: "Vapor", package: "vapor")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ClinicFlowWebTests",
            dependencies: [
                "ClinicFlowWeb", "ClinicFlowTestSupport",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWT", package: "jwt"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)

var strict: [SwiftSetting] {
    [.enableUpcomingFeature("ExistentialAny")]
}
