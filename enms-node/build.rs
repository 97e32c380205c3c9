//! Links the addon the way Node expects (napi symbols resolved at load time).

fn main() {
    napi_build::setup();
}
