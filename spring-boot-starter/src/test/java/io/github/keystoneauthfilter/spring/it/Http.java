package io.github.keystoneauthfilter.spring.it;

import io.github.keystoneauthfilter.testing.KeystoneEnv;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The tests' client: requests to the app on 127.0.0.1, and the real Keystone. */
final class Http {
  static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static final String UNAUTHORIZED_BODY =
      "{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\":"
          + " \"The request you have made requires authentication.\"}}";
  static final String FORBIDDEN_BODY =
      "{\"error\": {\"code\": 403, \"title\": \"Forbidden\", \"message\":"
          + " \"You are not authorized to perform the requested action.\"}}";

  private Http() {}

  static KeystoneEnv keystone() {
    try {
      return KeystoneEnv.fromSystemProperties();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code method path} with header name/value pairs. */
  static HttpResponse<String> send(int port, String method, String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(int port, String path, String... headers)
      throws IOException, InterruptedException {
    return send(port, "GET", path, headers);
  }

  /** Sends {@code GET <target>} byte for byte (no client normalises it); the answer's head. */
  static String rawGet(int port, String target) throws IOException {
    String request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String answer =
          new String(socket.getInputStream().readNBytes(4096), StandardCharsets.ISO_8859_1);
      int end = answer.indexOf("\r\n\r\n");
      return end < 0 ? answer : answer.substring(0, end);
    }
  }
}
