// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "fleet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fleet", targets: ["fleet"]),
        .library(name: "Fleet", targets: ["Fleet"]),
        .library(name: "Playbooks", targets: ["Playbooks"]),
    ],
    targets: [
        .target(name: "Fleet", swiftSettings: strict),
        .target(name: "Playbooks", dependencies: ["Fleet"], swiftSettings: strict),
        .target(name: "FleetTestSupport", dependencies: ["Fleet"], swiftSettings: strict),
        .executableTarget(name: "fleet", dependencies: ["Fleet", "Playbooks"], swiftSettings: strict),
        .testTarget(
            name: "FleetTests",
            dependencies: ["Fleet", "FleetTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "PlaybooksTests",
            dependencies: ["Playbooks", "Fleet", "FleetTestSupport"],
            swiftSettings: strict),
    ]
)
