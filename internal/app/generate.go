package app

// The documents written from the settings table (Settings): docs/configuration.md, and
// the README's short table of essential settings. TestGeneratedSettingsDocs fails while
// they are stale.
//go:generate go run ../tools/gensettings -docs ../../docs/configuration.md -readme ../../README.md
