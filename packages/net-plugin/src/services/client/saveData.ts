/**
 * `SaveData` (Traktor's `ISaveData`): cloud save slots of the signed-in player. The attachment is
 * any value msgpackr can serialize (objects, arrays, typed arrays, Maps, Dates...); the service
 * caps its size (`payload_too_large`). Writes never lose data silently: `replace = false` refuses
 * to overwrite (`save_exists`), and `expectedVersion` (the `version` you loaded) refuses a write
 * when another device saved in between (`version_conflict`).
 */
import { Limits, routePath, type SaveInfo } from "../api";
import { decodeAttachment, encodeAttachment } from "./attachments";
import type { ServiceConnection } from "./connection";
import { acceptEmpty, checked, isSaveData, isSaveInfo, listIn } from "./decode";
import type { Result } from "./result";
import { ServiceError } from "./serviceError";
import { assertId, assertInt, assertText, query } from "./validate";

/** A loaded save: the slot's summary and its decoded attachment. */
export interface SaveGame extends SaveInfo {
  /** The value that was saved. */
  readonly attachment: unknown;
}

/** Cloud saves of the signed-in player. */
export interface SaveData {
  /** True while signed in: calls go out (or queue during a reconnect). */
  readonly ready: boolean;
  /**
   * Writes a slot. `replace = false` fails with `save_exists` if the slot is taken;
   * `expectedVersion` (0 = must not exist) fails with `version_conflict` if it changed meanwhile.
   */
  set(
    slot: string,
    title: string,
    description: string,
    attachment: unknown,
    replace: boolean,
    expectedVersion?: number,
  ): Result<SaveInfo>;
  /** Loads a slot with its attachment; `not_found` when empty. */
  get(slot: string): Result<SaveGame>;
  /** Summaries of every slot (no attachments). */
  enumerate(): Result<SaveInfo[]>;
  /** Deletes a slot; `expectedVersion` guards against deleting a newer save. */
  remove(slot: string, expectedVersion?: number): Result<void>;
}

const decodeSaveInfo = checked(isSaveInfo);
const decodeSaveData = checked(isSaveData);
const decodeSaves = listIn("saves", isSaveInfo);

/** The {@link SaveData} service over a connection. */
export class SaveDataClient implements SaveData {
  constructor(private readonly connection: ServiceConnection) {}

  get ready(): boolean {
    return this.connection.signedIn;
  }

  set(
    slot: string,
    title: string,
    description: string,
    attachment: unknown,
    replace: boolean,
    expectedVersion?: number,
  ): Result<SaveInfo> {
    assertId("save slot", slot);
    assertText("save title", title, Limits.saveTitleMax);
    assertText("save description", description, Limits.saveDescriptionMax);
    if (expectedVersion !== undefined)
      assertInt("expectedVersion", expectedVersion, 0, Number.MAX_SAFE_INTEGER);
    const encoded = encodeAttachment(attachment);
    return this.connection.call({
      method: "PUT",
      path: routePath("setSave", { slot }),
      body: { title, description, attachment: encoded, replace, expectedVersion },
      decode: decodeSaveInfo,
      map: (info) => info,
    });
  }

  get(slot: string): Result<SaveGame> {
    assertId("save slot", slot);
    return this.connection.call({
      method: "GET",
      path: routePath("getSave", { slot }),
      decode: decodeSaveData,
      map: (save) => {
        const decoded = decodeAttachment(save.attachment);
        if (!decoded.ok) {
          this.connection.stats.responsesInvalid++;
          throw new ServiceError(
            "invalid_response",
            `save slot "${slot}" holds an attachment that does not decode`,
          );
        }
        const { attachment: _encoded, ...info } = save;
        return { ...info, attachment: decoded.value };
      },
    });
  }

  enumerate(): Result<SaveInfo[]> {
    return this.connection.call({
      method: "GET",
      path: routePath("listSaves"),
      decode: decodeSaves,
      map: (saves) => saves,
    });
  }

  remove(slot: string, expectedVersion?: number): Result<void> {
    assertId("save slot", slot);
    if (expectedVersion !== undefined)
      assertInt("expectedVersion", expectedVersion, 0, Number.MAX_SAFE_INTEGER);
    return this.connection.call({
      method: "DELETE",
      path: routePath("deleteSave", { slot }) + query({ expectedVersion }),
      decode: acceptEmpty,
      map: (): void => undefined,
    });
  }
}
