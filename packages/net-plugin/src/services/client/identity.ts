/**
 * `Identity`: who the player is — guest login by device id, username + password accounts,
 * guest upgrade to a password account, display name, logout — and their friends (request, accept, remove, list). Logging in replaces
 * the current session; the client keeps the credentials in memory to log in again by itself.
 */
import { Limits, routePath, type FriendEntry, type PublicUser, type UserInfo } from "../api";
import type { ServiceConnection } from "./connection";
import { assertCredentials } from "./credentials";
import { acceptEmpty, checked, isFriendEntry, isPublicUser, isUserInfo, listIn } from "./decode";
import type { Result } from "./result";
import { assertOpaqueId, assertText, query } from "./validate";

/** Identity and friends of the player. */
export interface Identity {
  /** True while signed in. */
  readonly ready: boolean;
  /** The signed-in account, or undefined. */
  readonly user: UserInfo | undefined;
  /** Logs in as the guest bound to `deviceId` (16–128 characters, random per install; created on first use). */
  loginAsGuest(deviceId: string, displayName?: string): Result<UserInfo>;
  /** Logs in with username and password. */
  login(username: string, password: string): Result<UserInfo>;
  /** Creates a password account and logs in (`username_taken` if it exists). */
  register(username: string, password: string, displayName?: string): Result<UserInfo>;
  /**
   * Gives the signed-in guest a username and password, keeping the same account (id, scores,
   * saves, friends); `username_taken` if the name is taken or the account already has one.
   * Later re-logins use the new pair.
   */
  upgrade(username: string, password: string): Result<UserInfo>;
  /** Revokes this device's session and forgets the credentials. */
  logout(): Result<void>;
  /** Changes the player's display name. */
  setDisplayName(displayName: string): Result<UserInfo>;
  /** Another user's public profile. */
  getUser(userId: string): Result<PublicUser>;
  /** Finds a user by exact username (case-insensitive). */
  findUser(username: string): Result<PublicUser>;
  /** Friends and pending requests both ways. */
  getFriends(): Result<FriendEntry[]>;
  /** Sends a friend request (accepted at once if they already asked). */
  requestFriend(userId: string): Result<FriendEntry>;
  /** Accepts an incoming friend request. */
  acceptFriend(userId: string): Result<FriendEntry>;
  /** Removes a friend, or declines / cancels a request. */
  removeFriend(userId: string): Result<void>;
}

const decodeUserInfo = checked(isUserInfo);
const decodePublicUser = checked(isPublicUser);
const decodeFriends = listIn("friends", isFriendEntry);
const decodeFriendEntry = checked(isFriendEntry);

/** The {@link Identity} service over a connection. */
export class IdentityClient implements Identity {
  constructor(private readonly connection: ServiceConnection) {}

  get ready(): boolean {
    return this.connection.signedIn;
  }

  get user(): UserInfo | undefined {
    return this.connection.user;
  }

  loginAsGuest(deviceId: string, displayName?: string): Result<UserInfo> {
    return this.connection.login({ kind: "guest", deviceId, displayName });
  }

  login(username: string, password: string): Result<UserInfo> {
    return this.connection.login({ kind: "password", username, password });
  }

  register(username: string, password: string, displayName?: string): Result<UserInfo> {
    return this.connection.login({ kind: "register", username, password, displayName });
  }

  upgrade(username: string, password: string): Result<UserInfo> {
    const credentials = { kind: "password", username, password } as const;
    assertCredentials(credentials);
    return this.connection.call({
      method: "POST",
      path: routePath("upgrade"),
      body: { username, password },
      decode: decodeUserInfo,
      map: (user) => {
        if (this.connection.user?.id === user.id) {
          this.connection.user = user;
          this.connection.rememberCredentials(credentials);
        }
        return user;
      },
    });
  }

  logout(): Result<void> {
    return this.connection.logout();
  }

  setDisplayName(displayName: string): Result<UserInfo> {
    assertText("displayName", displayName, Limits.displayNameMax);
    if (displayName.length < Limits.displayNameMin) throw new RangeError("displayName may not be empty.");
    return this.connection.call({
      method: "PATCH",
      path: routePath("updateMe"),
      body: { displayName },
      decode: decodeUserInfo,
      map: (user) => {
        if (this.connection.user?.id === user.id) this.connection.user = user;
        return user;
      },
    });
  }

  getUser(userId: string): Result<PublicUser> {
    assertOpaqueId("userId", userId);
    return this.connection.call({
      method: "GET",
      path: routePath("getUser", { userId }),
      decode: decodePublicUser,
      map: (user) => user,
    });
  }

  findUser(username: string): Result<PublicUser> {
    assertText("username", username, Limits.usernameMax);
    return this.connection.call({
      method: "GET",
      path: routePath("findUser") + query({ username }),
      decode: decodePublicUser,
      map: (user) => user,
    });
  }

  getFriends(): Result<FriendEntry[]> {
    return this.connection.call({
      method: "GET",
      path: routePath("listFriends"),
      decode: decodeFriends,
      map: (friends) => friends,
    });
  }

  requestFriend(userId: string): Result<FriendEntry> {
    assertOpaqueId("userId", userId);
    return this.connection.call({
      method: "POST",
      path: routePath("requestFriend"),
      body: { userId },
      decode: decodeFriendEntry,
      map: (entry) => entry,
    });
  }

  acceptFriend(userId: string): Result<FriendEntry> {
    assertOpaqueId("userId", userId);
    return this.connection.call({
      method: "POST",
      path: routePath("acceptFriend", { userId }),
      decode: decodeFriendEntry,
      map: (entry) => entry,
    });
  }

  removeFriend(userId: string): Result<void> {
    assertOpaqueId("userId", userId);
    return this.connection.call({
      method: "DELETE",
      path: routePath("removeFriend", { userId }),
      decode: acceptEmpty,
      map: (): void => undefined,
    });
  }
}
