/** Invite constants shared by the server and the web client (Discord's invite resource). */

/** Where the processing of a targeted invite's CSV of users stands (GET /invites/{code}/target-users/job-status). */
export const InviteTargetUsersJobStatus = {
  UNSPECIFIED: 0,
  PROCESSING: 1,
  COMPLETED: 2,
  FAILED: 3,
} as const;

/** The form field of that CSV, on invite create and on PUT /invites/{code}/target-users. */
export const TARGET_USERS_FILE_FIELD = 'target_users_file';
