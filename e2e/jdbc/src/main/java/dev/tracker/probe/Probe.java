package dev.tracker.probe;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Reads through the ingest's SQL endpoint with ClickHouse's JDBC driver and tries a write. Prints one
 * line per step, `step<TAB>result`, for the test to compare; the password comes from the environment.
 * Usage: TRACKER_SQL_PASSWORD=... java dev.tracker.probe.Probe http://127.0.0.1:8123 tracker oid
 */
public final class Probe {
  public static void main(String[] args) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "default");
    props.setProperty("password", System.getenv("TRACKER_SQL_PASSWORD"));
    // The endpoint answers uncompressed or gzip/deflate; ClickHouse's native LZ4 block framing is not served.
    props.setProperty("compress", "false");
    String url = "jdbc:clickhouse:" + args[0] + "/" + args[1];
    try (Connection conn = DriverManager.getConnection(url, props)) {
      System.out.println("product\t" + conn.getMetaData().getDatabaseProductName());
      try (Statement st = conn.createStatement();
          ResultSet rs = st.executeQuery("SELECT count() AS n FROM events")) {
        rs.next();
        System.out.println("count\t" + rs.getLong("n"));
      }
      try (PreparedStatement ps =
          conn.prepareStatement("SELECT ename, count() AS n FROM events WHERE oid = ? GROUP BY ename ORDER BY ename")) {
        ps.setString(1, args[2]);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) System.out.println("by_name\t" + rs.getString("ename") + "=" + rs.getLong("n"));
        }
      }
      try (Statement st = conn.createStatement()) {
        st.executeUpdate("INSERT INTO events (ename) VALUES ('forged')");
        System.out.println("insert\taccepted");
      } catch (SQLException e) {
        System.out.println("insert\trefused " + e.getErrorCode() + " " + e.getMessage().replace('\n', ' '));
      }
    }
  }
}
