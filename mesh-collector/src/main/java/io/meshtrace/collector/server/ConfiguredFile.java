package io.meshtrace.collector.server;

import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.collector.config.Setting;
import io.meshtrace.controlplane.file.UnusableFileException;
import io.meshtrace.lifecycle.Component;
import io.vertx.core.Future;

/**
 * A component that follows a file named by a setting: a file it cannot use at start is an
 * invalid setting, reported like any other (naming the setting, exit code 2), rather than a
 * component that failed.
 */
final class ConfiguredFile {
  private ConfiguredFile() {}

  static Component of(Component component, Setting<?> setting) {
    return new Component() {
      @Override
      public String name() {
        return component.name();
      }

      @Override
      public Future<Void> start() {
        return asSetting(component.start(), setting);
      }

      @Override
      public Future<Void> stop() {
        return component.stop();
      }
    };
  }

  private static Future<Void> asSetting(Future<Void> start, Setting<?> setting) {
    return start.recover(failure -> Future.failedFuture(failure instanceof UnusableFileException
        ? new InvalidConfigException(setting.name(), failure.getMessage()) : failure));
  }
}
