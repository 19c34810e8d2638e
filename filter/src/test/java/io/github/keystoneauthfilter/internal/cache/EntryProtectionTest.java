package io.github.keystoneauthfilter.internal.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.internal.token.AuthToken;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EntryProtectionTest {
  private static final String TOKEN = "gAAAAABtest-token";
  private static final String HASH = AuthToken.of(TOKEN).hash();
  private static final byte[] PLAIN =
      "{\"user_id\":\"u-1\",\"roles\":[\"member\"]}".getBytes(StandardCharsets.UTF_8);

  @Test
  void derivation_matchesKeystonemiddlewaresHmacSha384OfTokenAndStrategy() {
    // Expected values computed independently with Python's hmac module:
    // hmac.new(b"s3cret", b"gAAAAABtest-token" + b"MAC", hashlib.sha384).digest()
    EntryProtection.Keys mac =
        EntryProtection.of(EntryProtection.Mode.MAC, "s3cret").keys(TOKEN, HASH);
    assertEquals("keystoneauthfilter/v2/itCfSwWSsZq2K7FpYIfdSw", mac.name());
    assertEquals("90b61e5c4077d6f0aacd7ef362b23968", HexFormat.of().formatHex(mac.macKey()));
    assertEquals("15de561342ce065faf884e5614e85288", HexFormat.of().formatHex(mac.aesKey()));

    EntryProtection.Keys encrypt =
        EntryProtection.of(EntryProtection.Mode.ENCRYPT, "s3cret").keys(TOKEN, HASH);
    assertEquals("keystoneauthfilter/v2/VSO9GBmmSG9czwVs-THAEw", encrypt.name());
    assertEquals("3d89d2c2424a006239e426b8cc607248", HexFormat.of().formatHex(encrypt.aesKey()));
  }

  @Test
  void mac_valueIsBase64MacThenBase64Body_asKeystonemiddleware() {
    EntryProtection mac = EntryProtection.of(EntryProtection.Mode.MAC, "s3cret");
    byte[] sealed = mac.seal(mac.keys(TOKEN, HASH), "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
    // Computed with Python: base64(hmac(macKey, B, sha384)) + B, B = base64(b'{"a":1}')
    assertEquals(
        "DXoC0gfa4iQ9eDk27ayCYL2zbneeZXByN9ZMRG/9k54RQo2lhvJfaLNrbOYOANhceyJhIjoxfQ==",
        new String(sealed, StandardCharsets.US_ASCII));
  }

  @ParameterizedTest
  @EnumSource(
      value = EntryProtection.Mode.class,
      names = {"MAC", "ENCRYPT"})
  void sealedEntry_opensWithTheSameTokenAndSecret(EntryProtection.Mode mode) {
    EntryProtection protection = EntryProtection.of(mode, "s3cret");
    EntryProtection.Keys keys = protection.keys(TOKEN, HASH);
    assertArrayEquals(PLAIN, protection.open(keys, protection.seal(keys, PLAIN)));
  }

  @Test
  void encrypt_hidesThePlaintextAndUsesAFreshIvEachTime() {
    EntryProtection encrypt = EntryProtection.of(EntryProtection.Mode.ENCRYPT, "s3cret");
    EntryProtection.Keys keys = encrypt.keys(TOKEN, HASH);
    byte[] first = encrypt.seal(keys, PLAIN);
    byte[] second = encrypt.seal(keys, PLAIN);
    assertFalse(Arrays.equals(first, second), "a random IV makes each sealing differ");
    String stored = new String(first, StandardCharsets.ISO_8859_1);
    assertFalse(stored.contains("u-1"));
    assertFalse(stored.contains("member"));
    // Nor is it merely Base64 of the plaintext (which MAC would be).
    String decodedBody =
        new String(
            java.util.Base64.getDecoder().decode(Arrays.copyOfRange(first, 64, first.length)),
            StandardCharsets.ISO_8859_1);
    assertFalse(decodedBody.contains("member"));
  }

  @ParameterizedTest
  @EnumSource(
      value = EntryProtection.Mode.class,
      names = {"MAC", "ENCRYPT"})
  void everySingleFlippedBit_isRefused(EntryProtection.Mode mode) {
    EntryProtection protection = EntryProtection.of(mode, "s3cret");
    EntryProtection.Keys keys = protection.keys(TOKEN, HASH);
    byte[] sealed = protection.seal(keys, PLAIN);
    for (int i = 0; i < sealed.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] tampered = sealed.clone();
        tampered[i] ^= (byte) (1 << bit);
        assertNull(protection.open(keys, tampered), "byte " + i + " bit " + bit);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = EntryProtection.Mode.class,
      names = {"MAC", "ENCRYPT"})
  void truncatedOrForeignValues_areRefused(EntryProtection.Mode mode) {
    EntryProtection protection = EntryProtection.of(mode, "s3cret");
    EntryProtection.Keys keys = protection.keys(TOKEN, HASH);
    byte[] sealed = protection.seal(keys, PLAIN);
    assertNull(protection.open(keys, Arrays.copyOf(sealed, sealed.length - 4)));
    assertNull(protection.open(keys, Arrays.copyOf(sealed, 64)));
    assertNull(protection.open(keys, new byte[0]));
    assertNull(protection.open(keys, PLAIN)); // what a None-strategy instance writes
  }

  @ParameterizedTest
  @EnumSource(
      value = EntryProtection.Mode.class,
      names = {"MAC", "ENCRYPT"})
  void anotherSecretOrAnotherToken_cannotOpenTheEntry(EntryProtection.Mode mode) {
    EntryProtection mine = EntryProtection.of(mode, "s3cret");
    byte[] sealed = mine.seal(mine.keys(TOKEN, HASH), PLAIN);

    EntryProtection theirs = EntryProtection.of(mode, "other-secret");
    assertNull(theirs.open(theirs.keys(TOKEN, HASH), sealed));
    String other = "gAAAAABother-token";
    assertNull(mine.open(mine.keys(other, AuthToken.of(other).hash()), sealed));
  }

  @Test
  void entryNames_revealNeitherTheTokenNorItsHash_andDifferPerStrategyAndSecret() {
    String mac = EntryProtection.of(EntryProtection.Mode.MAC, "s3cret").keys(TOKEN, HASH).name();
    String encrypt =
        EntryProtection.of(EntryProtection.Mode.ENCRYPT, "s3cret").keys(TOKEN, HASH).name();
    String otherSecret =
        EntryProtection.of(EntryProtection.Mode.MAC, "other").keys(TOKEN, HASH).name();
    for (String name : new String[] {mac, encrypt, otherSecret}) {
      assertFalse(name.contains(TOKEN));
      assertFalse(name.contains(HASH.substring(0, 16)));
      assertTrue(name.length() < 250, "memcached keys are at most 250 bytes");
      assertTrue(name.chars().allMatch(c -> c > 0x20 && c < 0x7f), "no spaces or controls");
    }
    assertNotEquals(mac, encrypt);
    assertNotEquals(mac, otherSecret);
  }

  @Test
  void none_storesPlainBytesUnderTheTokenHash() {
    EntryProtection none = EntryProtection.none();
    EntryProtection.Keys keys = none.keys(TOKEN, HASH);
    assertEquals("keystoneauthfilter/v2/" + HASH, keys.name());
    assertArrayEquals(PLAIN, none.seal(keys, PLAIN));
    assertArrayEquals(PLAIN, none.open(keys, PLAIN));
  }

  @Test
  void emptySecret_isRefused_andToStringNeverShowsTheSecret() {
    assertThrows(
        IllegalArgumentException.class, () -> EntryProtection.of(EntryProtection.Mode.MAC, ""));
    EntryProtection protection = EntryProtection.of(EntryProtection.Mode.ENCRYPT, "s3cret");
    assertFalse(protection.toString().contains("s3cret"));
    assertFalse(protection.keys(TOKEN, HASH).toString().contains(TOKEN));
  }
}
