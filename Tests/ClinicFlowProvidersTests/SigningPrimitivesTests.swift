import ClinicFlowProviders
import Testing

@Suite struct SigningPrimitivesTests {
    @Test func constantTimeEqualityMatchesOrdinaryEquality() {
        #expect(ConstantTime.equals("sha256=abc", "sha256=abc"))
        #expect(!ConstantTime.equals("sha256=abc", "sha256=abd"))
        #expect(!ConstantTime.equals("sha256=abc", "sha256=ab"))
        #expect(!ConstantTime.equals("", "a"))
        #expect(ConstantTime.equals("", ""))
        #expect(ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
    }

    @Test func hexRoundTripsAndRejectsGarbage() {
        let bytes: [UInt8] = [0x00, 0x0f, 0x10, 0xab, 0xff]
        #expect(Hex.encode(bytes) == "000f10abff")
        #expect(Hex.decode("000f10abff") == bytes)
        #expect(Hex.decode("000F10ABFF") == bytes)
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("") == [])
    }
}
