import FleetTestSupport

extension SSHDFixture {
    /// Starts `count` servers, runs `body`, and stops them whether `body` returns or throws.
    static func with<T>(count: Int, _ body: (SSHDFixture) async throws -> T) async throws -> T {
        let fixture = try await start(count: count)
        do {
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            await fixture.stop()
            throw error
        }
    }
}
