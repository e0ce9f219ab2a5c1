// api/convert_calibration.cpp: see convert_calibration.h.
#include "api/convert_calibration.h"

#include <fstream>

#include "lightbert/error.h"

namespace lightbert::detail {
namespace {

const char* const kDefaultTexts[] = {
    "The quick brown fox jumps over the lazy dog.",
    "A man is eating food.",
    "A woman is playing the violin on a quiet street corner.",
    "The stock market fell sharply after the central bank raised interest rates.",
    "How do I reset my password if I no longer have access to my email?",
    "She said she would arrive at nine, but the train was delayed by an hour.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "The committee will review all applications before the end of March.",
    "I can't believe how good this pizza is!",
    "Please turn off the lights when you leave the room.",
    "The patient was prescribed 20 mg of the drug twice a day.",
    "Paris is the capital and most populous city of France.",
    "What time does the museum open on Sundays?",
    "Our new phone has a faster processor and a better camera.",
    "The children built a sandcastle near the edge of the water.",
    "Climate change is expected to increase the frequency of extreme weather events.",
    "He scored two goals in the final minutes of the match.",
    "The recipe calls for three eggs, a cup of flour and some butter.",
    "Can you recommend a good book about the history of mathematics?",
    "The server returned an error because the request body was malformed.",
    "After years of research, the team finally published its results.",
    "The river flooded the village after days of heavy rain.",
    "My flight to Tokyo leaves at 6:45 tomorrow morning.",
    "This movie was boring and far too long.",
    "The judge ruled that the contract was not valid.",
    "Birds migrate south for the winter to find food and warmth.",
    "The library is closed for renovations until further notice.",
    "Machine learning models need large amounts of labelled data.",
    "He apologised for the misunderstanding and offered a refund.",
    "The orchestra performed Beethoven's ninth symphony last night.",
    "Is it safe to drink tap water in this city?",
    "The company reported record profits in the third quarter.",
    "A small dog was barking at the mail carrier.",
    "The bridge was designed to withstand strong earthquakes.",
    "I would like to book a table for two at seven o'clock.",
    "Vaccines train the immune system to recognise specific pathogens.",
    "The old castle on the hill is said to be haunted.",
    "Students must submit their essays by Friday at noon.",
    "The price of gold reached a new high this week.",
    "She learned to speak Spanish while living in Madrid.",
    "Turn left at the second traffic light and continue for two miles.",
    "The software update fixed several security vulnerabilities.",
    "Elephants are known for their remarkable memory.",
    "We watched the sunset from the top of the mountain.",
    "The novel tells the story of a family across three generations.",
    "Heavy traffic is expected on the highway this weekend.",
    "The chef added a pinch of salt and stirred the soup.",
    "Scientists discovered a new species of frog in the rainforest.",
    "Why is the sky blue during the day and red at sunset?",
    "Thank you for your help; I really appreciate it.",
};

}  // namespace

std::vector<std::string> calibration_texts(const std::string& path) {
  std::vector<std::string> out;
  if (path.empty()) {
    for (const char* t : kDefaultTexts) out.emplace_back(t);
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, path + ": cannot open the calibration file");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) out.push_back(line);
  }
  if (out.empty())
    throw Error(ErrorCode::kInvalidArgument, path + ": no calibration text (one per line)");
  return out;
}

CalibrationSet calibration_set(const std::string& path) {
  const std::vector<std::string> lines = calibration_texts(path);
  std::vector<std::vector<std::string>> fields;
  for (const std::string& line : lines) {
    if (line.find('\t') == std::string::npos) break;
    std::vector<std::string> f;
    for (size_t pos = 0;;) {
      const size_t tab = line.find('\t', pos);
      f.push_back(line.substr(pos, tab == std::string::npos ? std::string::npos : tab - pos));
      if (tab == std::string::npos) break;
      pos = tab + 1;
    }
    fields.push_back(std::move(f));
  }
  CalibrationSet set;
  if (fields.size() != lines.size()) {  // plain text (no line, or not every line, has a tab)
    for (const std::string& t : lines) set.inputs.push_back({t, std::nullopt});
    return set;
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    const auto& f = fields[i];
    const std::string where = path + ": labelled calibration line " + std::to_string(i + 1);
    if (f.size() > 3)
      throw Error(ErrorCode::kInvalidArgument,
                  where + " has " + std::to_string(f.size()) +
                      " tab-separated fields (text<TAB>label or text<TAB>text_pair<TAB>label)");
    if (f.back().find_first_not_of(" ") == std::string::npos)
      throw Error(ErrorCode::kInvalidArgument, where + " has an empty label");
    TextInput in{f[0], std::nullopt};
    if (f.size() == 3) in.text_pair = f[1];
    set.inputs.push_back(std::move(in));
    set.labels.push_back(f.back());
  }
  return set;
}

}  // namespace lightbert::detail
